package io.tandem.executor;

import io.tandem.agent.ApiError;
import io.tandem.agent.NodeRegistration;
import io.tandem.home.TandemHome;
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

    private final String token;
    /** The "now" that relative times in a log query count back from. */
    private final InstantSource clock;
    private final Served served;

    ExecutorRoutes(String token, InstantSource clock, Served served) {
        this.token = token;
        this.clock = clock;
        this.served = served;
    }

    void install(Router router) {
        router.route("/v1/*").handler(this::authorize);
        router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
        router.post("/v1/nodes").handler(this::onRegister);
        router.get("/v1/cluster").handler(ctx -> replyJson(ctx, 200, served.status()));
        router.get("/v1/cluster/traffic").handler(ctx -> replyJson(ctx, 200, served.traffic()));
        router.get("/v1/cluster/functions/:name").handler(ctx -> {
            ExecutorStatus.Function f = served.functionStatus(ctx.pathParam("name"));
            if (f == null) replyJson(ctx, 404, new ApiError("unknown function", "this executor runs no function " + ctx.pathParam("name")));
            else replyJson(ctx, 200, f);
        });
        router.get("/v1/cluster/functions/:name/logs").handler(ctx -> {
            LogQuery query;
            try {
                query = LogQuery.parse(ctx.request()::getParam, clock.instant());
            } catch (InvalidResourceException e) {
                replyJson(ctx, 400, new ApiError("invalid log query", e.getMessage()));
                return;
            }
            served.streamLogs(ctx.pathParam("name"), query, ctx.response());
        });
    }

    private void authorize(RoutingContext ctx) {
        if (!TandemHome.bearerMatches(ctx.request().getHeader("Authorization"), token)) {
            replyJson(ctx, 401, new ApiError("unauthorized", "missing or wrong bearer token"));
            return;
        }
        ctx.next();
    }

    private void onRegister(RoutingContext ctx) {
        NodeRegistration reg;
        try {
            reg = Json.read(ctx.body().buffer().getBytes(), NodeRegistration.class);
            Names.require("name", reg.name());
        } catch (RuntimeException e) {
            replyJson(ctx, 400, new ApiError("invalid registration", e.getMessage()));
            return;
        }
        served.register(reg).onComplete(ar -> replyJson(ctx, 200, Map.of("name", reg.name())));
    }

    private static void replyJson(RoutingContext ctx, int status, Object body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Json.write(body));
    }
}
