package io.tandem.agent;

import io.tandem.http.ApiException;
import io.tandem.http.ErrorReply;
import io.tandem.model.InvalidResourceException;
import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.tandem.model.Names;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/**
 * The agent's HTTP API (all under {@code /v1}, bearer token required), and two probes without the token:
 * {@code GET /healthz} (200 while the process serves HTTP) and {@code GET /readyz} (200 while the executor holds the
 * agent's event stream, so the node takes part in the cluster; 503 else).
 * <pre>
 *   GET    /v1/events                       NDJSON stream of {@link AgentEvent}s (one reader at a time)
 *   GET    /v1/instances                    [InstanceInfo]
 *   POST   /v1/instances                    LaunchRequest -> 200 InstanceInfo once ready; 422 load failure
 *   POST   /v1/instances/{id}/specialize    SpecializeRequest -> 200 InstanceInfo; 422 load failure; 409
 *   DELETE /v1/instances/{id}               204 once the process exited
 *   GET    /v1/logs/{function}?tail=100&amp;since=5m&amp;instance=I&amp;follow=false
 *                                           NDJSON LogRecords; following: a {"live":true} line after the backlog
 * </pre>
 */
final class AgentRoutes {
    private final Agent agent;

    AgentRoutes(Agent agent) {
        this.agent = agent;
    }

    void register(Router router) {
        router.get("/healthz").handler(ctx -> json(ctx, 200, java.util.Map.of("status", "ok")));
        router.get("/readyz").handler(ctx -> {
            if (agent.streaming()) json(ctx, 200, java.util.Map.of("status", "ok"));
            else json(ctx, 503, java.util.Map.of("status", "not ready", "detail", "the executor does not hold this agent's event stream"));
        });
        router.get("/v1/events").handler(agent::openStream);
        router.get("/v1/instances").handler(ctx -> json(ctx, 200, agent.list()));
        router.post("/v1/instances").handler(ctx -> {
            LaunchRequest req;
            try {
                req = Json.read(ctx.body().buffer().getBytes(), LaunchRequest.class);
            } catch (RuntimeException e) {
                ErrorReply.send(ctx.response(), 400, "invalid launch request", e.getMessage());
                return;
            }
            answer(ctx, agent.launch(req));
        });
        router.post("/v1/code").handler(ctx -> {
            PrefetchRequest req;
            try {
                req = Json.read(ctx.body().buffer().getBytes(), PrefetchRequest.class);
            } catch (RuntimeException e) {
                ErrorReply.send(ctx.response(), 400, "invalid prefetch request", e.getMessage());
                return;
            }
            agent.prefetch(req).onSuccess(v -> ctx.response().setStatusCode(204).end())
                    .onFailure(e -> ErrorReply.send(ctx.response(), 502, "cannot fetch code " + req.code().sha256(), e.getMessage()));
        });
        router.post("/v1/instances/:id/specialize").handler(ctx -> {
            SpecializeRequest req;
            try {
                req = Json.read(ctx.body().buffer().getBytes(), SpecializeRequest.class);
            } catch (RuntimeException e) {
                ErrorReply.send(ctx.response(), 400, "invalid specialize request", e.getMessage());
                return;
            }
            answer(ctx, agent.specialize(ctx.pathParam("id"), req));
        });
        router.delete("/v1/instances/:id").handler(ctx -> agent.stopInstance(ctx.pathParam("id"))
                .onSuccess(v -> ctx.response().setStatusCode(204).end())
                .onFailure(e -> error(ctx, e)));
        router.get("/v1/logs/:function").handler(ctx -> {
            String function = ctx.pathParam("function");
            if (!Names.isValid(function)) {
                ErrorReply.send(ctx.response(), 400, "invalid function name", function);
                return;
            }
            LogQuery query;
            try {
                query = LogQuery.parse(ctx.queryParams()::get, Instant.now());
            } catch (InvalidResourceException e) {
                ErrorReply.send(ctx.response(), 400, "invalid log query", e.getMessage());
                return;
            }
            agent.serveLog(ctx, function, query);
        });
    }

    private static void answer(RoutingContext ctx, Future<?> result) {
        result.onSuccess(v -> json(ctx, 200, v)).onFailure(e -> error(ctx, e));
    }

    private static void error(RoutingContext ctx, Throwable e) {
        if (ctx.response().ended() || ctx.response().closed()) return;
        if (e instanceof ApiException a) ErrorReply.send(ctx.response(), a);
        else ErrorReply.send(ctx.response(), 500, "agent error", Agent.rootMessage(e));
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        if (ctx.response().ended() || ctx.response().closed()) return;
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Json.write(body));
    }
}
