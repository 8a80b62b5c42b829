package io.tandem.agent;

import io.tandem.http.ApiException;
import io.tandem.http.BearerToken;
import io.tandem.http.ClientConnections;
import io.tandem.http.ErrorReply;
import io.tandem.http.HeadDeadline;
import io.tandem.model.InvalidResourceException;
import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.tandem.model.LogRecord;
import io.tandem.model.Names;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

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
 * Handlers run on the agent's context, as the {@link Agent} methods they call require.
 */
final class AgentRoutes {
    /** Connections one local address may hold open on the agent's port (the executor needs a handful). */
    static final int LOCAL_CONNECTIONS_CAP = 512;

    private final Vertx vertx;
    private final Agent agent;
    private final InstantSource clock;

    AgentRoutes(Vertx vertx, Agent agent, InstantSource clock) {
        this.vertx = vertx;
        this.agent = agent;
        this.clock = clock;
    }

    /** Binds the API; call on the agent's context. Its clients are this machine's executor and CLI. */
    Future<HttpServer> listen(String host, int port, String token) {
        Router router = Router.router(vertx);
        router.route("/v1/*").handler(new BearerToken(token).guard(new ApiException(401, "unauthorized", "missing or wrong bearer token")));
        router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(1 << 20));
        register(router);
        // The same head deadline as every port, and a cap per client.
        HttpServer http = vertx.createHttpServer(HeadDeadline.options());
        http.requestHandler(HeadDeadline.install(vertx, http, HeadDeadline.DEFAULT_HEAD, HeadDeadline.DEFAULT_KEEP_ALIVE,
                ClientConnections.capped(LOCAL_CONNECTIONS_CAP), router));
        return http.listen(port, host);
    }

    // One line a route: what each does is in the table above.
    private void register(Router router) {
        router.get("/healthz").handler(ctx -> json(ctx, 200, Map.of("status", "ok")));
        router.get("/readyz").handler(ctx -> {
            if (agent.streaming()) json(ctx, 200, Map.of("status", "ok"));
            else json(ctx, 503, Map.of("status", "not ready", "detail", "the executor does not hold this agent's event stream"));
        });
        router.get("/v1/events").handler(this::openStream);
        router.get("/v1/instances").handler(ctx -> json(ctx, 200, agent.list()));
        router.post("/v1/instances").handler(ctx -> {
            LaunchRequest req = body(ctx, LaunchRequest.class, "invalid launch request");
            if (req != null) answer(ctx, agent.launch(req));
        });
        router.post("/v1/code").handler(ctx -> {
            PrefetchRequest req = body(ctx, PrefetchRequest.class, "invalid prefetch request");
            if (req == null) return;
            agent.prefetch(req).onSuccess(v -> ctx.response().setStatusCode(204).end())
                    .onFailure(e -> ErrorReply.send(ctx.response(), 502, "cannot fetch code " + req.code().sha256(), e.getMessage()));
        });
        router.post("/v1/instances/:id/specialize").handler(ctx -> {
            SpecializeRequest req = body(ctx, SpecializeRequest.class, "invalid specialize request");
            if (req != null) answer(ctx, agent.specialize(ctx.pathParam("id"), req));
        });
        router.delete("/v1/instances/:id").handler(ctx -> agent.stopInstance(ctx.pathParam("id"))
                .onSuccess(v -> ctx.response().setStatusCode(204).end())
                .onFailure(e -> error(ctx, e)));
        router.get("/v1/logs/:function").handler(this::log);
    }

    /** The executor's event stream: it replaces any earlier one. */
    private void openStream(RoutingContext ctx) {
        HttpServerResponse resp = ctx.response().setChunked(true).putHeader("Content-Type", "application/x-ndjson");
        EventStream.Sink sink = new EventStream.Sink() {
            @Override
            public void send(AgentEvent e) {
                resp.write(Buffer.buffer(Json.write(e) + "\n"));
            }

            @Override
            public void end() {
                resp.end();
            }
        };
        resp.closeHandler(v -> agent.detach(sink));
        agent.attach(sink);
    }

    private void log(RoutingContext ctx) {
        String function = ctx.pathParam("function");
        if (!Names.isValid(function)) {
            ErrorReply.send(ctx.response(), 400, "invalid function name", function);
            return;
        }
        LogQuery query;
        try {
            query = LogQuery.parse(ctx.queryParams()::get, clock.instant());
        } catch (InvalidResourceException e) {
            ErrorReply.send(ctx.response(), 400, "invalid log query", e.getMessage());
            return;
        }
        serveLog(ctx, function, query);
    }

    /**
     * Writes the function's log lines on this node that {@code query} selects as NDJSON {@link LogRecord}s; when
     * following, then a {@code {"live":true}} line, then each new line until the client goes away. A follower too
     * slow to take the lines loses some rather than holding them: the response says how many were dropped.
     */
    private void serveLog(RoutingContext ctx, String function, LogQuery query) {
        HttpServerResponse resp = ctx.response().setChunked(true).putHeader("Content-Type", "application/x-ndjson");
        Context here = vertx.getOrCreateContext();
        long[] dropped = {0};
        List<LogRecord> early = new ArrayList<>(); // lines that came while the backlog was read: sent after it
        boolean[] backlogSent = {false};
        Consumer<LogRecord> live = r -> here.runOnContext(v -> {
            if (resp.closed() || resp.ended()) return;
            if (!backlogSent[0]) {
                early.add(r);
                return;
            }
            if (resp.writeQueueFull()) {
                dropped[0]++;
                return;
            }
            if (dropped[0] > 0) {
                resp.write(Json.write(new LogRecord(r.time(), function, "-", agent.name(), "agent", dropped[0] + " lines dropped: the reader was too slow")) + "\n");
                dropped[0] = 0;
            }
            resp.write(Json.write(r) + "\n");
        });
        agent.readLog(function, query, live).onSuccess(read -> {
            StringBuilder text = new StringBuilder();
            for (LogRecord r : read.backlog()) text.append(Json.write(r)).append('\n');
            if (!query.follow()) {
                resp.end(text.toString());
                return;
            }
            text.append("{\"live\":true}\n");
            for (LogRecord r : early) text.append(Json.write(r)).append('\n');
            early.clear();
            backlogSent[0] = true;
            resp.write(text.toString());
            resp.closeHandler(v -> read.stop().ifPresent(Runnable::run));
            if (resp.closed()) read.stop().ifPresent(Runnable::run);
        }).onFailure(e -> ErrorReply.send(ctx.response(), 500, "cannot read the log", e.getMessage()));
    }

    /** The request body as {@code type}, or null after answering 400 with {@code refusal}. */
    private static <T> T body(RoutingContext ctx, Class<T> type, String refusal) {
        try {
            return Json.read(ctx.body().buffer().getBytes(), type);
        } catch (RuntimeException e) {
            ErrorReply.send(ctx.response(), 400, refusal, e.getMessage());
            return null;
        }
    }

    private static void answer(RoutingContext ctx, Future<?> result) {
        result.onSuccess(v -> json(ctx, 200, v)).onFailure(e -> error(ctx, e));
    }

    private static void error(RoutingContext ctx, Throwable e) {
        if (e instanceof ApiException a) ErrorReply.send(ctx.response(), a);
        else ErrorReply.send(ctx.response(), 500, "agent error", Causes.root(e));
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        if (ctx.response().ended() || ctx.response().closed()) return;
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Json.write(body));
    }
}
