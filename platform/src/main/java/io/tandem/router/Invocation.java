package io.tandem.router;

import io.tandem.model.Durations;
import io.tandem.model.Endpoint;
import io.tandem.router.strategy.AttemptFailure;
import io.tandem.router.strategy.AttemptFailure.Kind;
import io.tandem.router.strategy.Attempts;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.Pipe;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * One request on its way to a function: the {@link Attempts} a strategy works with, over HTTP, plus the
 * function's timeout.
 *
 * <p>Confined to the event loop of the client's request. The request body stays paused until an attempt has a
 * connection, so a dial failure leaves it unread and the request can go to another endpoint as it is. Once the
 * body starts to flow it is streamed, never held, so an attempt that fails after that cannot be replayed; only
 * requests without a body may go again after a lost connection (see {@link Kind#CONNECTION_LOST}).
 *
 * <p>The timeout runs from the request's arrival to the response head, cold start included; a response that
 * has started streams for as long as it takes.
 */
final class Invocation implements Attempts<HttpClientResponse> {
    private final RouterParts parts;
    private final HttpClient client;
    private final Context context;
    private final HttpServerRequest req;
    private final Target target;
    private final MultiMap headers;
    private final boolean hasBody;
    private final Promise<HttpClientResponse> outcome = Promise.promise();
    private HttpClientRequest inFlight;
    private boolean bodyStarted;

    Invocation(RouterParts parts, HttpClient client, HttpServerRequest req, Target target, MultiMap headers, boolean hasBody) {
        this.parts = parts;
        this.client = client;
        this.context = parts.vertx().getOrCreateContext();
        this.req = req;
        this.target = target;
        this.headers = headers;
        this.hasBody = hasBody;
    }

    /** Runs the function's strategy; completes with the response whose head has come, or the failure that ended it. */
    Future<HttpClientResponse> run() {
        Duration timeout = target.function().spec().timeout();
        long timer = parts.vertx().setTimer(Math.max(1, timeout.toMillis()), id -> abort(new AttemptFailure(Kind.TIMED_OUT,
                "function '" + name() + "' gave no response after " + Durations.format(timeout))));
        req.response().closeHandler(v -> abort(new AttemptFailure(Kind.CLIENT_GONE, "the client closed the connection")));
        target.function().strategy().invoke(this).onComplete(result -> {
            if (result.failed()) {
                outcome.tryFail(result.cause());
            } else if (!outcome.tryComplete(result.result())) {
                result.result().request().reset();
            }
        });
        return outcome.future().onComplete(done -> parts.vertx().cancelTimer(timer));
    }

    /** True once the client's body has started to flow to an instance (it can no longer be drained or replayed). */
    boolean bodyStarted() {
        return bodyStarted;
    }

    @Override
    public Future<Endpoint> endpoint() {
        if (outcome.future().isComplete()) return Future.failedFuture(endedBy());
        Endpoint warm = parts.endpoints().pick(name());
        if (warm != null) return Future.succeededFuture(warm);
        return Future.fromCompletionStage(parts.coldStarts().acquire(name()), context)
                .recover(failure -> Future.failedFuture(new AttemptFailure(Kind.UNAVAILABLE, messageOf(failure))));
    }

    @Override
    public Future<HttpClientResponse> send(Endpoint endpoint) {
        if (outcome.future().isComplete()) return Future.failedFuture(endedBy());
        RequestOptions options = new RequestOptions()
                .setMethod(req.method())
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setURI(target.uri())
                .setHeaders(headers)
                .setConnectTimeout(parts.config().connectTimeout().toMillis());
        return client.request(options).transform(connected -> {
            if (connected.failed()) return Future.failedFuture(dialFailure(endpoint, connected.cause()));
            HttpClientRequest request = connected.result();
            if (outcome.future().isComplete()) {
                request.reset();
                return Future.failedFuture(endedBy());
            }
            inFlight = request;
            request.exceptionHandler(failure -> { }); // failures reach the strategy through response()
            sendBody(request);
            return request.response().recover(failure -> Future.failedFuture(lostFailure(endpoint, failure)));
        });
    }

    @Override
    public void unreachable(Endpoint endpoint) {
        parts.endpoints().forget(endpoint);
        parts.coldStarts().reportUnreachable(endpoint);
    }

    @Override
    public Future<Void> after(Duration delay) {
        Promise<Void> elapsed = Promise.promise();
        parts.vertx().setTimer(Math.max(1, delay.toMillis()), id -> elapsed.complete());
        return elapsed.future();
    }

    private void sendBody(HttpClientRequest request) {
        if (!hasBody) {
            req.resume();
            request.end();
            return;
        }
        if (bodyStarted) {
            // A strategy retried a request whose body was already taken; strategies must not (see replayable()).
            request.reset(0, new IllegalStateException("request body already sent"));
            return;
        }
        bodyStarted = true;
        if (!headers.contains(HttpHeaders.CONTENT_LENGTH)) request.setChunked(true);
        if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) req.response().writeContinue();
        Pipe<Buffer> pipe = new LimitedBody(req, parts.config().maxBodyBytes()).pipe();
        pipe.endOnFailure(false);
        pipe.to(request).onFailure(failure -> {
            if (failure instanceof LimitedBody.TooLarge tooLarge) bodyTooLarge(tooLarge);
            request.reset(0, failure);
        });
    }

    private void bodyTooLarge(LimitedBody.TooLarge cause) {
        AttemptFailure failure = new AttemptFailure(Kind.BODY_TOO_LARGE, cause.getMessage());
        // Past the response head there is no status left to tell it with: cut the response.
        if (!outcome.tryFail(failure)) req.response().reset();
    }

    private void abort(AttemptFailure failure) {
        if (outcome.tryFail(failure) && inFlight != null) inFlight.reset(0, failure);
    }

    private AttemptFailure endedBy() {
        return outcome.future().cause() instanceof AttemptFailure f ? f
                : new AttemptFailure(Kind.CLIENT_GONE, "the request has already ended");
    }

    private AttemptFailure dialFailure(Endpoint endpoint, Throwable cause) {
        Kind kind = isTimeout(cause) ? Kind.DIAL_TIMEOUT : Kind.DIAL_REFUSED;
        return new AttemptFailure(kind, "cannot connect to " + endpoint.authority() + ": " + messageOf(cause), true, cause);
    }

    private AttemptFailure lostFailure(Endpoint endpoint, Throwable cause) {
        if (cause instanceof AttemptFailure f) return f;
        boolean replayable = !hasBody && Boolean.TRUE.equals(target.function().spec().idempotent());
        return new AttemptFailure(Kind.CONNECTION_LOST, "connection to " + endpoint.authority() + " lost before a response: "
                + messageOf(cause), replayable, cause);
    }

    private String name() {
        return target.function().name();
    }

    private static boolean isTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TimeoutException || c.getClass().getSimpleName().contains("Timeout")) return true;
            if (c.getMessage() != null && c.getMessage().toLowerCase(java.util.Locale.ROOT).contains("timed out")) return true;
        }
        return false;
    }

    static String messageOf(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
}
