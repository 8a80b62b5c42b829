package io.tandem.controller;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.http.ApiException;
import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The executor's view of the cluster read from its API ({@code GET /v1/cluster},
 * {@code /v1/cluster/functions/NAME} and {@code .../logs}), for a controller that runs in a process of its own.
 * An executor that does not answer within a few seconds fails the call with a 503 that says so, never a hang.
 * Thread-safe.
 */
public final class HttpClusterView implements ClusterView {
    /** How long a status call may take; logs are streamed without a limit once they flow. */
    static final long TIMEOUT_MS = 5_000;

    private final HttpClient http;
    private final String executorUrl;
    private final String token;

    public HttpClusterView(Vertx vertx, String executorUrl, String token) {
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000).setKeepAlive(true));
        this.executorUrl = executorUrl;
        this.token = token;
    }

    @Override
    public Future<Object> status() {
        return getJson("/v1/cluster");
    }

    @Override
    public Future<Object> traffic() {
        return getJson("/v1/cluster/traffic");
    }

    @Override
    public Future<Object> functionStatus(String function) {
        return getJson("/v1/cluster/functions/" + encode(function));
    }

    @Override
    public Future<Void> streamLogs(String function, LogQuery query, HttpServerResponse response) {
        String path = "/v1/cluster/functions/" + encode(function) + "/logs?" + query.queryString();
        return http.request(options(path, query.follow() ? 0 : TIMEOUT_MS))
                .compose(req -> {
                    response.closeHandler(v -> req.reset());
                    return req.send();
                })
                .recover(e -> Future.failedFuture(unreachable(e)))
                .compose(resp -> {
                    if (resp.statusCode() != 200) return resp.body().compose(b -> Future.failedFuture(refused(resp, b.toString())));
                    response.setChunked(true).putHeader("Content-Type", resp.getHeader("Content-Type"));
                    return resp.pipeTo(response);
                });
    }

    private Future<Object> getJson(String path) {
        return http.request(options(path, TIMEOUT_MS))
                .compose(req -> req.send().compose(resp -> resp.body().map(body -> new Reply(resp, body.toString()))))
                .recover(e -> Future.failedFuture(unreachable(e)))
                .compose(reply -> {
                    if (reply.response.statusCode() == 404) return Future.succeededFuture(null);
                    if (reply.response.statusCode() != 200) return Future.failedFuture(refused(reply.response, reply.body));
                    return Future.succeededFuture(Json.read(reply.body, JsonNode.class));
                });
    }

    private record Reply(HttpClientResponse response, String body) {
    }

    private RequestOptions options(String path, long timeoutMs) {
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(executorUrl + path)
                .putHeader("Authorization", "Bearer " + token);
        if (timeoutMs > 0) o.setIdleTimeout(timeoutMs);
        return o;
    }

    private ApiException unreachable(Throwable e) {
        if (e instanceof ApiException api) return api;
        return new ApiException(503, "the executor at " + executorUrl + " does not answer: " + e.getMessage(),
                "the server may be stopping or overloaded; the functions it runs are not affected by this API call, retry in a moment");
    }

    private ApiException refused(HttpClientResponse resp, String body) {
        return new ApiException(502, "the executor answered HTTP " + resp.statusCode() + ": " + body, "see the server log");
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
