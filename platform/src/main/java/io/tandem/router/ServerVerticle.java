package io.tandem.router;

import io.tandem.metrics.Metrics;
import io.tandem.model.AsyncCall;
import io.tandem.model.Endpoint;
import io.tandem.router.overload.Admission;
import io.tandem.router.strategy.AttemptFailure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.tandem.http.ClientConnections;
import io.tandem.http.HeadDeadline;
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
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One event loop's share of the router: an HTTP server (sharing the router's port with its siblings) and its own
 * HTTP client, so a request and its proxied call stay on one thread with no hand-off. Everything here runs on
 * this verticle's event loop, except rendering {@code /metrics}, which runs on a worker thread. A request goes to
 * the router's own paths ({@link AdminRoutes}), the async API ({@link AsyncRoutes}), or its function.
 */
final class ServerVerticle extends VerticleBase {
    static final String ATTEMPTS = "X-Tandem-Attempts";
    /** The instance that answered, as {@code <instance id>@<node>}: which replica won, which active served. */
    static final String INSTANCE = "X-Tandem-Instance";

    private final RouterParts parts;
    private final AdminRoutes admin;
    private AsyncRoutes async;
    private final int port;
    private final int localPort;
    private HttpServer server;
    /** Plain HTTP on 127.0.0.1 beside a TLS server, for this machine's own callers; null without TLS. */
    private HttpServer localServer;
    private HttpClient client;
    /** This event loop's meters; null when request metrics are off. */
    private RequestMetrics.Recorder recorder;

    /** {@code localPort}: the loopback server's port (0 any, negative a shared random one), only with TLS. */
    ServerVerticle(RouterParts parts, int port, int localPort) {
        this.parts = parts;
        this.admin = new AdminRoutes(parts.vertx(), parts.feed(), parts.metrics());
        this.port = port;
        this.localPort = localPort;
    }

    int actualPort() {
        return server.actualPort();
    }

    /** The loopback server's port, or -1 without one. */
    int actualLocalPort() {
        return localServer == null ? -1 : localServer.actualPort();
    }

    @Override
    public Future<?> start() {
        RouterConfig config = parts.config();
        recorder = parts.requests().recorder();
        async = new AsyncRoutes(vertx, parts.routes(), parts.async()::get, recorder == null ? code -> { } : recorder::unrouted);
        client = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setTcpNoDelay(true).setKeepAlive(true).setDecompressionSupported(false)
                        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis())))
                .with(new PoolOptions().setHttp1MaxSize(config.poolSize()))
                .build();
        HttpServerOptions options = HeadDeadline.options().setHost(config.host()).setPort(port);
        server = listener(config.tls() == null ? options : config.tls().applyTo(options), parts.clients());
        if (config.tls() == null) return server.listen();
        localServer = listener(HeadDeadline.options().setHost("127.0.0.1").setPort(localPort), parts.localClients());
        return server.listen().compose(s -> localServer.listen());
    }

    private HttpServer listener(HttpServerOptions options, ClientConnections clients) {
        HttpServer s = vertx.createHttpServer(options.setTcpNoDelay(true).setCompressionSupported(false).setHandle100ContinueAutomatically(false));
        s.requestHandler(HeadDeadline.install(vertx, s, HeadDeadline.DEFAULT_HEAD, HeadDeadline.DEFAULT_KEEP_ALIVE, clients, this::handle));
        return s;
    }

    @Override
    public Future<?> stop() {
        Future<Void> local = localServer == null ? Future.succeededFuture() : localServer.close();
        return Future.join(server.close(), local).eventually(() -> client.close());
    }

    private void handle(HttpServerRequest req) {
        long arrived = recorder == null ? 0 : System.nanoTime();
        if (admin.serve(req) || async.serve(req)) return;
        switch (parts.routes().resolve(req.method().name(), req.path(), req.query())) {
            case Routes.Missing missing -> lookAgainOnceCaughtUp(req, arrived);
            case Routes.Found found -> invoke(req, found.target(), arrived);
        }
    }

    /**
     * A route or function written a moment ago may not have reached this router yet: before refusing, wait (up to
     * 2 s) until the change feed holds everything the controller had stored, and look again. While the controller
     * is unreachable the feed cannot tell, and the request is refused with what is held.
     */
    private void lookAgainOnceCaughtUp(HttpServerRequest req, long arrived) {
        CompletableFuture<Void> caughtUp = parts.feed().caughtUp();
        if (caughtUp.isDone()) { // a feed that delivers as it stores: what is held is all there is
            Routes.Resolution again = parts.routes().resolve(req.method().name(), req.path(), req.query());
            if (again instanceof Routes.Found found) invoke(req, found.target(), arrived);
            else if (again instanceof Routes.Missing missing) unrouted(req, 404, missing.error(), missing.detail());
            return;
        }
        req.pause();
        Context context = vertx.getOrCreateContext();
        caughtUp.whenComplete((v, e) -> context.runOnContext(x -> {
            switch (parts.routes().resolve(req.method().name(), req.path(), req.query())) {
                case Routes.Missing missing -> {
                    req.resume();
                    unrouted(req, 404, missing.error(), missing.detail());
                }
                case Routes.Found found -> invoke(req, found.target(), arrived); // it reads the body, still paused
            }
        }));
    }

    /** An answer the router makes before a function was chosen: counted by code only (the path is not a label). */
    private void unrouted(HttpServerRequest req, int status, String error, String detail) {
        if (recorder != null) recorder.unrouted(status);
        ErrorReply.send(req, status, error, detail);
    }

    private void invoke(HttpServerRequest req, Target target, long arrived) {
        long length;
        try {
            String header = req.getHeader(HttpHeaders.CONTENT_LENGTH);
            length = header == null ? -1 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            ErrorReply.send(req, 400, "bad request", "Content-Length is not a number");
            record(req, target, arrived, 400, null);
            return;
        }
        long limit = parts.config().maxBodyBytes();
        if (length > limit) {
            ErrorReply.send(req, 413, "request body too large", "the body has " + length + " bytes; the limit is " + limit);
            record(req, target, arrived, 413, null);
            return;
        }
        String name = target.function().name();
        int capacity = InFlight.capacity(target.function().spec(), parts.endpoints().endpointsOf(name).size());
        if (capacity > 0 && !parts.inFlight().tryEnter(name, capacity)) {
            req.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
            ErrorReply.send(req, 429, "too many concurrent calls", "function '" + name + "' serves at most " + capacity
                    + " calls at once (spec.concurrency per instance, spec.maxConcurrency per function); retry after 1 s");
            record(req, target, arrived, 429, null);
            return;
        }
        Runnable leave = capacity == 0 ? () -> { } : new Runnable() {
            private boolean left; // on this request's event loop only

            @Override
            public void run() {
                if (!left) parts.inFlight().leave(name);
                left = true;
            }
        };
        req.pause();
        Future<Admission.Ticket> admitted = parts.admissions().of(name).enter(vertx.getOrCreateContext(), target.function().spec().timeout());
        if (admitted.isComplete() && admitted.succeeded()) {
            proceed(req, target, arrived, length, admitted.result(), leave);
            return;
        }
        // Queued: a client that goes away meanwhile leaves the queue, or gives its slot back unused if it just got one.
        boolean[] gone = {false}; // on this request's event loop only
        req.response().closeHandler(v -> {
            gone[0] = true;
            parts.admissions().of(name).abandon(admitted);
        });
        admitted.onComplete(ticket -> {
            if (gone[0]) {
                if (ticket.succeeded()) ticket.result().done(-1);
                leave.run();
                record(req, target, arrived, CLIENT_CLOSED, null);
                return;
            }
            if (ticket.succeeded()) {
                proceed(req, target, arrived, length, ticket.result(), leave);
                return;
            }
            leave.run();
            req.resume();
            String why = ticket.cause() instanceof Admission.Shed shed ? shed.getMessage() : ErrorReply.messageOf(ticket.cause());
            record(req, target, arrived, shed(req, "function '" + name + "' is serving all the calls it can: " + why), null);
        });
    }

    /** Runs an admitted call; its ticket and {@code leave} are given back once it has ended. */
    private void proceed(HttpServerRequest req, Target target, long arrived, long length, Admission.Ticket ticket, Runnable leave) {
        boolean hasBody = length > 0 || (length < 0 && req.headers().contains(HttpHeaders.TRANSFER_ENCODING));
        String requestId = ForwardedHeaders.requestIdOf(req);
        MultiMap headers = ForwardedHeaders.requestHeaders(req, requestId, target.params());
        Invocation invocation = new Invocation(parts, client, req, target, headers, hasBody);
        Runnable done = () -> {
            // A call that waited for a cold start says nothing about how the function answers to concurrency.
            ticket.done(invocation.coldWaitNanos() > 0 ? -1 : invocation.functionNanos());
            leave.run();
        };
        invocation.run().onComplete(result -> {
            // A bodiless request must end on the server side, or the next request on its keep-alive connection is
            // never read; resuming again is harmless.
            if (!hasBody && !req.isEnded()) req.resume();
            // Sent more than once: the benchmark counts re-sent requests from this header.
            if (invocation.attempts() > 1) req.response().putHeader(ATTEMPTS, Integer.toString(invocation.attempts()));
            int status = result.succeeded() ? result.result().statusCode() : fail(req, result.cause());
            record(req, target, arrived, status, invocation);
            if (result.succeeded()) {
                Endpoint answered = invocation.answeredBy(result.result());
                if (answered != null) req.response().putHeader(INSTANCE, answered.instanceId() + "@" + answered.node());
                relay(req, result.result(), requestId, parts.config().maxBodyBytes(), done);
            } else {
                done.run();
            }
        });
    }

    /**
     * Sheds a call the function has no room for: 503 with {@code Retry-After}, as a load balancer does for a
     * saturated backend (and unlike 429, which says the client itself sent too much). Returns the status.
     */
    private static int shed(HttpServerRequest req, String why) {
        req.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        return reply(req, 503, "function overloaded", why + "; the call did not run: send it again after "
                + RETRY_AFTER_SECONDS + " s");
    }

    static final String RETRY_AFTER_SECONDS = "1";

    /** Counts a call that reached a function's route; {@code invocation} is null when it was refused before one ran. */
    private void record(HttpServerRequest req, Target target, long arrived, int status, Invocation invocation) {
        if (recorder == null) return;
        long total = System.nanoTime() - arrived;
        recorder.record(target.function(), target.route(), req.method().name(), status, total,
                invocation == null ? -1 : invocation.functionNanos(), invocation == null ? 0 : invocation.coldWaitNanos(),
                invocation == null ? 0 : invocation.attempts());
    }

    /**
     * Streams the instance's response to the client with back-pressure; a failure on either side cuts both. A body
     * over {@code limit} bytes is refused with 502 when its length is announced, and cut (the connection reset)
     * when it passes the limit while streaming. {@code done} runs once the response has ended either way.
     */
    private static void relay(HttpServerRequest req, HttpClientResponse resp, String requestId, long limit, Runnable done) {
        HttpServerResponse out = req.response();
        String announced = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (announced != null && ErrorReply.parseLength(announced) > limit) {
            resp.request().reset();
            ErrorReply.send(req, 502, "response too large", "the function answered " + announced.trim() + " bytes; the limit is " + limit);
            done.run();
            return;
        }
        out.setStatusCode(resp.statusCode());
        if (resp.statusMessage() != null) out.setStatusMessage(resp.statusMessage());
        ForwardedHeaders.copyResponseHeaders(resp.headers(), out.headers());
        if (!out.headers().contains(ForwardedHeaders.REQUEST_ID)) out.putHeader(ForwardedHeaders.REQUEST_ID, requestId);
        int status = resp.statusCode();
        boolean bodyless = req.method() == HttpMethod.HEAD || status == 204 || status == 304 || status < 200;
        if (!bodyless && !out.headers().contains(HttpHeaders.CONTENT_LENGTH)) out.setChunked(true);
        Pipe<Buffer> pipe = new LimitedBody(resp, limit).pipe();
        pipe.endOnFailure(false);
        pipe.to(out).onComplete(ended -> {
            if (ended.failed()) {
                resp.request().reset();
                out.reset();
            }
            done.run();
        });
    }

    /** Answers a failed call; returns its status, {@value #CLIENT_CLOSED} when the client left and got none. */
    private static int fail(HttpServerRequest req, Throwable cause) {
        if (!(cause instanceof AttemptFailure f)) {
            return reply(req, 502, "proxy error", ErrorReply.messageOf(cause));
        }
        return switch (f.kind()) {
            case TIMED_OUT -> reply(req, 504, "function timed out", f.getMessage());
            case BODY_TOO_LARGE -> reply(req, 413, "request body too large", f.getMessage());
            case UNAVAILABLE, FENCED -> reply(req, 503, "function unavailable", f.getMessage());
            case OVERLOADED -> shed(req, f.getMessage());
            case DIAL_TIMEOUT -> {
                // The instance did not accept in time (its accept queue full, or it is hung): the call never ran.
                req.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
                yield reply(req, 503, "function unavailable", f.getMessage());
            }
            case DIAL_REFUSED -> reply(req, 502, "function unreachable", f.getMessage());
            case CONNECTION_LOST -> reply(req, 502, "function connection lost", f.getMessage());
            case CLIENT_GONE -> {
                req.response().reset();
                yield CLIENT_CLOSED;
            }
        };
    }

    /** The status label of a call whose client closed the connection before an answer (nginx's convention). */
    static final int CLIENT_CLOSED = 499;

    private static int reply(HttpServerRequest req, int status, String error, String detail) {
        ErrorReply.send(req, status, error, detail);
        return status;
    }
}
