package io.tandem.executor;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.agent.AgentEvent;
import io.tandem.agent.InstanceInfo;
import io.tandem.agent.LaunchRequest;
import io.tandem.agent.PrefetchRequest;
import io.tandem.agent.SpecializeRequest;
import io.tandem.http.ApiException;
import io.tandem.http.ErrorBody;
import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.tandem.model.LogRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/** {@link AgentClient} over the agent's HTTP API (see {@code io.tandem.agent.AgentRoutes}). */
final class HttpAgentClient implements AgentClient {
    private static final TypeReference<List<InstanceInfo>> INFO_LIST = new TypeReference<>() {
    };

    /** A backstop beyond the agent's own 60 s readiness limit plus a download; a dead node ends calls sooner. */
    private static final long CALL_IDLE_TIMEOUT_MS = 180_000;

    private final HttpClient http;
    private final String baseUrl;
    private final String token;
    private volatile HttpClientRequest eventsRequest;
    private volatile boolean closed;

    HttpAgentClient(HttpClient http, String baseUrl, String token) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.token = token;
    }

    @Override
    public Future<InstanceInfo> launch(LaunchRequest request) {
        return call(HttpMethod.POST, "/v1/instances", Json.writeBytes(request), CALL_IDLE_TIMEOUT_MS).map(b -> Json.read(b.getBytes(), InstanceInfo.class));
    }

    @Override
    public Future<InstanceInfo> specialize(String instanceId, SpecializeRequest request) {
        return call(HttpMethod.POST, "/v1/instances/" + instanceId + "/specialize", Json.writeBytes(request), CALL_IDLE_TIMEOUT_MS)
                .map(b -> Json.read(b.getBytes(), InstanceInfo.class));
    }

    @Override
    public Future<Void> prefetch(PrefetchRequest request) {
        return call(HttpMethod.POST, "/v1/code", Json.writeBytes(request), CALL_IDLE_TIMEOUT_MS).mapEmpty();
    }

    @Override
    public Future<Void> stop(String instanceId) {
        return call(HttpMethod.DELETE, "/v1/instances/" + instanceId, null, 30_000).mapEmpty();
    }

    @Override
    public Future<List<InstanceInfo>> list() {
        return call(HttpMethod.GET, "/v1/instances", null, 5_000).map(b -> {
            try {
                return Json.MAPPER.readValue(b.getBytes(), INFO_LIST);
            } catch (IOException e) {
                throw new IllegalArgumentException("invalid instance list from agent", e);
            }
        });
    }

    @Override
    public Future<Void> events(Consumer<AgentEvent> onEvent) {
        Promise<Void> ended = Promise.promise();
        http.request(options(HttpMethod.GET, "/v1/events", 0)).compose(req -> {
            eventsRequest = req;
            if (closed) req.reset();
            return req.send();
        }).onComplete(ar -> {
            if (ar.failed()) {
                ended.tryFail(ar.cause());
                return;
            }
            HttpClientResponse resp = ar.result();
            if (resp.statusCode() != 200) {
                ended.tryFail(new IOException("agent event stream answered " + resp.statusCode()));
                return;
            }
            RecordParser lines = RecordParser.newDelimited("\n", line -> {
                if (line.length() > 0) onEvent.accept(Json.read(line.getBytes(), AgentEvent.class));
            });
            resp.handler(lines);
            resp.exceptionHandler(ended::tryFail);
            resp.endHandler(v -> ended.tryComplete());
        });
        return ended.future();
    }

    @Override
    public Future<Void> log(String function, LogQuery query, Consumer<LogRecord> onRecord, Runnable onLive, Future<Void> until) {
        Promise<Void> ended = Promise.promise();
        String path = "/v1/logs/" + function + "?" + query.withJson(true).queryString();
        http.request(options(HttpMethod.GET, path, 0)).onComplete(rq -> {
            if (rq.failed()) {
                ended.tryFail(rq.cause());
                return;
            }
            until.onComplete(v -> rq.result().reset());
            rq.result().send().onComplete(ar -> {
                if (ar.failed()) {
                    ended.tryFail(ar.cause());
                    return;
                }
                HttpClientResponse resp = ar.result();
                if (resp.statusCode() != 200) {
                    resp.body().onComplete(b -> ended.tryFail(new IllegalStateException("agent answered " + resp.statusCode()
                            + (b.succeeded() ? ": " + b.result() : ""))));
                    return;
                }
                resp.handler(RecordParser.newDelimited("\n", line -> {
                    if (line.length() == 0) return;
                    JsonNode node = Json.read(line.getBytes(), JsonNode.class);
                    if (node.has("live")) onLive.run();
                    else onRecord.accept(Json.MAPPER.convertValue(node, LogRecord.class));
                }));
                resp.exceptionHandler(ended::tryFail);
                resp.endHandler(v -> ended.tryComplete());
            });
        });
        return ended.future();
    }

    @Override
    public void close() {
        // Drops the event stream (a hung agent keeps it open); the HttpClient is shared and the executor's.
        closed = true;
        HttpClientRequest req = eventsRequest;
        if (req != null) req.reset();
    }

    private RequestOptions options(HttpMethod method, String path, long timeoutMs) {
        RequestOptions o = new RequestOptions().setMethod(method).setAbsoluteURI(baseUrl + path)
                .putHeader("Authorization", "Bearer " + token);
        if (timeoutMs > 0) o.setIdleTimeout(timeoutMs);
        return o;
    }

    private Future<Buffer> call(HttpMethod method, String path, byte[] body, long timeoutMs) {
        RequestOptions o = options(method, path, timeoutMs);
        if (body != null) o.putHeader("Content-Type", "application/json");
        return http.request(o)
                .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
                .compose(resp -> resp.body().compose(b -> {
                    if (resp.statusCode() < 300) return Future.succeededFuture(b);
                    ErrorBody err = ErrorBody.parse(b.getBytes()).orElseGet(() -> new ErrorBody("agent answered " + resp.statusCode(), b.toString()));
                    return Future.failedFuture(new ApiException(resp.statusCode(), err.error(), err.detail()));
                }));
    }
}
