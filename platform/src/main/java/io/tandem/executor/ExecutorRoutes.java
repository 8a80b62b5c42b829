package io.tandem.executor;

import io.tandem.agent.NodeRegistration;
import io.tandem.http.ApiException;
import io.tandem.http.BearerToken;
import io.tandem.http.ClientConnections;
import io.tandem.http.ErrorReply;
import io.tandem.http.HeadDeadline;
import io.tandem.model.InvalidResourceException;
import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.tandem.model.Names;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.InstantSource;
import java.util.Map;

/**
 * The executor's HTTP routes, all behind its bearer token: {@code POST /v1/nodes} (an agent registers), and the view
 * of the cluster the controller's API reads from its own process: {@code GET /v1/cluster} (nodes and instances),
 * {@code /v1/cluster/functions/NAME} (404 when the executor knows nothing of it),
 * {@code /v1/cluster/functions/NAME/logs?LOG-QUERY} and {@code /v1/cluster/traffic}. Handlers run on the
 * executor's context.
 */
final class ExecutorRoutes {
    /**
     * Most connections open at once on the executor's port. Its clients are all on this machine, so the cap per
     * address is a cap on the whole: it keeps a local process (a function, say) that opens connections without end
     * from taking the file descriptors the agents' heartbeats need. Far above what the agents and the controller use.
     */
    static final int LOCAL_CONNECTIONS_CAP = 512;

    private final BearerToken token;
    /** The "now" that relative times in a log query count back from. */
    private final InstantSource clock;
    private final Executor executor;

    ExecutorRoutes(String token, InstantSource clock, Executor executor) {
        this.token = new BearerToken(token);
        this.clock = clock;
        this.executor = executor;
    }

    /** Serves the routes on {@code host:port}, with the head deadline and the connection cap. On the executor's context. */
    Future<HttpServer> listen(Vertx vertx, String host, int port) {
        Router router = Router.router(vertx);
        install(router);
        HttpServer http = vertx.createHttpServer(HeadDeadline.options());
        http.requestHandler(HeadDeadline.install(vertx, http, HeadDeadline.DEFAULT_HEAD, HeadDeadline.DEFAULT_KEEP_ALIVE,
                ClientConnections.capped(LOCAL_CONNECTIONS_CAP), router));
        return http.listen(port, host);
    }

    private void install(Router router) {
        router.route("/v1/*").handler(token.guard(new ApiException(401, "unauthorized", "missing or wrong bearer token")));
        router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
        router.post("/v1/nodes").handler(this::onRegister);
        router.get("/v1/cluster").handler(ctx -> ok(ctx, executor.status()));
        router.get("/v1/cluster/traffic").handler(ctx -> ok(ctx, executor.traffic()));
        router.get("/v1/cluster/functions/:name").handler(ctx -> {
            ExecutorStatus.Function f = executor.functionStatus(ctx.pathParam("name"));
            if (f == null) ErrorReply.send(ctx.response(), ApiException.notFound("unknown function", "this executor runs no function " + ctx.pathParam("name")));
            else ok(ctx, f);
        });
        router.get("/v1/cluster/functions/:name/logs").handler(ctx -> {
            LogQuery query;
            try {
                query = LogQuery.parse(ctx.request()::getParam, clock.instant());
            } catch (InvalidResourceException e) {
                ErrorReply.send(ctx.response(), ApiException.badRequest("invalid log query", e.getMessage()));
                return;
            }
            executor.streamLogs(ctx.pathParam("name"), query, ctx.response());
        });
    }

    private void onRegister(RoutingContext ctx) {
        NodeRegistration reg;
        try {
            reg = Json.read(ctx.body().buffer().getBytes(), NodeRegistration.class);
            Names.require("name", reg.name());
        } catch (RuntimeException e) {
            ErrorReply.send(ctx.response(), ApiException.badRequest("invalid registration", e.getMessage()));
            return;
        }
        executor.register(reg).onComplete(ar -> ok(ctx, Map.of("name", reg.name())));
    }

    private static void ok(RoutingContext ctx, Object body) {
        ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(Json.write(body));
    }
}
