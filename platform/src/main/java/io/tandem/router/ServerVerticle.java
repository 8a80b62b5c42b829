package io.tandem.router;

import io.tandem.model.Endpoint;
import io.tandem.router.strategy.AttemptFailure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.streams.Pipe;
import java.util.concurrent.CompletableFuture;

/**
 * One event loop's share of the router: an HTTP server (sharing the router's port with its siblings) and its own
 * HTTP client, so a request and its proxied call stay on one thread with no hand-off. Everything here runs on
 * this verticle's event loop.
 */
final class ServerVerticle extends VerticleBase {
    static final String ATTEMPTS = "X-Tandem-Attempts";
    /** The instance that answered, as {@code <instance id>@<node>}: which replica won, which active served. */
    static final String INSTANCE = "X-Tandem-Instance";
    private static final Buffer HEALTHY = Buffer.buffer("{\"status\":\"ok\"}");

    private final RouterParts parts;
    private final int port;
    private HttpServer server;
    private HttpClient client;

    ServerVerticle(RouterParts parts, int port) {
        this.parts = parts;
        this.port = port;
    }

    int actualPort() {
        return server.actualPort();
    }

    @Override
    public Future<?> start() {
        RouterConfig config = parts.config();
        client = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setTcpNoDelay(true).setKeepAlive(true).setDecompressionSupported(false))
                .with(new PoolOptions().setHttp1MaxSize(config.poolSize()))
                .build();
        server = vertx.createHttpServer(new HttpServerOptions()
                        .setHost(config.host())
                        .setPort(port)
                        .setTcpNoDelay(true)
                        .setCompressionSupported(false)
                        .setHandle100ContinueAutomatically(false))
                .requestHandler(this::handle);
        return server.listen();
    }

    @Override
    public Future<?> stop() {
        return server.close().eventually(() -> client.close());
    }

    private void handle(HttpServerRequest req) {
        if (req.path().equals("/healthz")) {
            req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(HEALTHY);
            return;
        }
        switch (parts.routes().resolve(req.method().name(), req.path(), req.query())) {
            case Routes.Missing missing -> lookAgainOnceCaughtUp(req);
            case Routes.Found found -> invoke(req, found.target());
        }
    }

    /**
     * A route or function written a moment ago may not have reached this router yet: before refusing, wait (up to
     * 2 s) until the change feed holds everything the controller had stored, and look again. While the controller
     * is unreachable the feed cannot tell, and the request is refused with what is held.
     */
    private void lookAgainOnceCaughtUp(HttpServerRequest req) {
        CompletableFuture<Void> caughtUp = parts.feed().caughtUp();
        if (caughtUp.isDone()) { // a feed that delivers as it stores: what is held is all there is
            Routes.Resolution again = parts.routes().resolve(req.method().name(), req.path(), req.query());
            if (again instanceof Routes.Found found) invoke(req, found.target());
            else if (again instanceof Routes.Missing missing) ErrorReply.send(req, 404, missing.error(), missing.detail());
            return;
        }
        req.pause();
        Context context = vertx.getOrCreateContext();
        caughtUp.whenComplete((v, e) -> context.runOnContext(x -> {
            switch (parts.routes().resolve(req.method().name(), req.path(), req.query())) {
                case Routes.Missing missing -> {
                    req.resume();
                    ErrorReply.send(req, 404, missing.error(), missing.detail());
                }
                case Routes.Found found -> invoke(req, found.target()); // it reads the body, still paused
            }
        }));
    }

    private void invoke(HttpServerRequest req, Target target) {
        long length;
        try {
            String header = req.getHeader(HttpHeaders.CONTENT_LENGTH);
            length = header == null ? -1 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            ErrorReply.send(req, 400, "bad request", "Content-Length is not a number");
            return;
        }
        long limit = parts.config().maxBodyBytes();
        if (length > limit) {
            ErrorReply.send(req, 413, "request body too large", "the body has " + length + " bytes; the limit is " + limit);
            return;
        }
        req.pause();
        boolean hasBody = length > 0 || (length < 0 && req.headers().contains(HttpHeaders.TRANSFER_ENCODING));
        String requestId = Forwarding.requestIdOf(req);
        MultiMap headers = Forwarding.requestHeaders(req, requestId, target.params());
        Invocation invocation = new Invocation(parts, client, req, target, headers, hasBody);
        invocation.run().onComplete(result -> {
            // A bodiless request must end on the server side, or the next request on its keep-alive connection is
            // never read; resuming again is harmless.
            if (!hasBody && !req.isEnded()) req.resume();
            // Sent more than once: the benchmark counts re-sent requests from this header.
            if (invocation.attempts() > 1) req.response().putHeader(ATTEMPTS, Integer.toString(invocation.attempts()));
            if (result.succeeded()) {
                Endpoint answered = invocation.answeredBy(result.result());
                if (answered != null) req.response().putHeader(INSTANCE, answered.instanceId() + "@" + answered.node());
                relay(req, result.result(), requestId);
            } else {
                fail(req, result.cause());
            }
        });
    }

    /** Streams the instance's response to the client with back-pressure; a failure on either side cuts both. */
    private static void relay(HttpServerRequest req, HttpClientResponse resp, String requestId) {
        HttpServerResponse out = req.response();
        out.setStatusCode(resp.statusCode());
        if (resp.statusMessage() != null) out.setStatusMessage(resp.statusMessage());
        Forwarding.copyResponseHeaders(resp.headers(), out.headers());
        if (!out.headers().contains(Forwarding.REQUEST_ID)) out.putHeader(Forwarding.REQUEST_ID, requestId);
        int status = resp.statusCode();
        boolean bodyless = req.method() == HttpMethod.HEAD || status == 204 || status == 304 || status < 200;
        if (!bodyless && !out.headers().contains(HttpHeaders.CONTENT_LENGTH)) out.setChunked(true);
        Pipe<Buffer> pipe = resp.pipe();
        pipe.endOnFailure(false);
        pipe.to(out).onFailure(failure -> {
            resp.request().reset();
            out.reset();
        });
    }

    private static void fail(HttpServerRequest req, Throwable cause) {
        if (!(cause instanceof AttemptFailure f)) {
            ErrorReply.send(req, 502, "proxy error", Invocation.messageOf(cause));
            return;
        }
        switch (f.kind()) {
            case TIMED_OUT -> ErrorReply.send(req, 504, "function timed out", f.getMessage());
            case BODY_TOO_LARGE -> ErrorReply.send(req, 413, "request body too large", f.getMessage());
            case UNAVAILABLE, FENCED -> ErrorReply.send(req, 503, "function unavailable", f.getMessage());
            case DIAL_REFUSED, DIAL_TIMEOUT -> ErrorReply.send(req, 502, "function unreachable", f.getMessage());
            case CONNECTION_LOST -> ErrorReply.send(req, 502, "function connection lost", f.getMessage());
            case CLIENT_GONE -> req.response().reset();
        }
    }
}
