package io.tandem.executor;

import io.tandem.agent.NodeRegistration;
import io.tandem.http.ApiException;
import io.tandem.http.BearerToken;
import io.tandem.http.ErrorReply;
import io.tandem.model.InvalidResourceException;
import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.tandem.model.Names;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
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
    /** What the routes read and do; the executor. */
    interface Served {
        Future<Void> register(NodeRegistration registration);

        ExecutorStatus.Cluster status();

        /** The function's status, or null when the executor knows nothing of it. */
        ExecutorStatus.Function functionStatus(String function);

        /** The recent traffic per function, kept by the process that runs the router. */
        Object traffic();

        Future<Void> streamLogs(String function, LogQuery query, HttpServerResponse response);
    }

    private final BearerToken token;
    /** The "now" that relative times in a log query count back from. */
    private final InstantSource clock;
    private final Served served;

    ExecutorRoutes(String token, InstantSource clock, Served served) {
        this.token = new BearerToken(token);
        this.clock = clock;
        this.served = served;
    }

    void install(Router router) {
        router.route("/v1/*").handler(token.guard(new ApiException(401, "unauthorized", "missing or wrong bearer token")));
        router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
        router.post("/v1/nodes").handler(this::onRegister);
        router.get("/v1/cluster").handler(ctx -> ok(ctx, served.status()));
        router.get("/v1/cluster/traffic").handler(ctx -> ok(ctx, served.traffic()));
        router.get("/v1/cluster/functions/:name").handler(ctx -> {
            ExecutorStatus.Function f = served.functionStatus(ctx.pathParam("name"));
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
            served.streamLogs(ctx.pathParam("name"), query, ctx.response());
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
        served.register(reg).onComplete(ar -> ok(ctx, Map.of("name", reg.name())));
    }

    private static void ok(RoutingContext ctx, Object body) {
        ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(Json.write(body));
    }
}
