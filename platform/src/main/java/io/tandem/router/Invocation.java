package io.tandem.router;

import io.tandem.model.Durations;
import io.tandem.model.Endpoint;
import io.tandem.router.strategy.Attempt;
import io.tandem.router.strategy.AttemptFailure;
import io.tandem.router.strategy.AttemptFailure.Kind;
import io.tandem.router.strategy.Attempts;
import io.tandem.router.strategy.Strategy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.Pipe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * One request on its way to a function: the {@link Attempts} a strategy works with, over HTTP, plus the
 * function's timeout.
 *
 * <p>Confined to the event loop of the client's request; only the routing table's waiters are completed from the
 * executor's threads, and they hop back onto this request's context first.
 *
 * <p>Bodies. Under a strategy that {@linkplain io.tandem.router.strategy.Strategy#replaysBodies() replays bodies}
 * the whole body is read first (answering {@code 100-continue} at once), up to the router's body limit, and each
 * attempt sends that copy. Otherwise the body stays paused until an attempt has a connection, so a dial failure
 * leaves it unread and the request can go to another endpoint as it is; once it starts to flow it is streamed,
 * never held, so an attempt that fails after that cannot be replayed. A request may go again after a lost
 * connection only when its body is kept (or it has none) and the function is idempotent (see
 * {@link Kind#CONNECTION_LOST}).
 *
 * <p>Every attempt to an endpoint with an epoch carries it in {@value #EPOCH}; a 503 carrying
 * {@value #FENCED}{@code : true} is not the function's answer but an {@link Kind#FENCED} failure.
 *
 * <p>The timeout runs from the request's arrival to the response head, cold start included; a response that
 * has started streams for as long as it takes.
 *
 * <p>It keeps two times, for metrics and for the function's {@linkplain io.tandem.router.overload.ConcurrencyLimit
 * concurrency limit}: how long the request waited for the executor's cold starts, and how long the send that
 * answered took from its start to its response head (the function's time as the router sees it).
 */
final class Invocation implements Attempts<HttpClientResponse> {
    static final String EPOCH = "X-Tandem-Epoch";
    static final String FENCED = "X-Tandem-Fenced";

    private final Invocations shared;
    private final Context context;
    private final HttpServerRequest req;
    private final Target target;
    private final Strategy strategy;
    private final MultiMap headers;
    private final boolean hasBody;
    private final Promise<HttpClientResponse> outcome = Promise.promise();
    /** Every send to an instance, whose request is reset when the invocation is aborted. */
    private final List<Send> sends = new ArrayList<>(1);
    private Buffer keptBody;
    private boolean bodyStarted;
    private int open;
    private int attempts;
    private long coldWaitNanos;

    Invocation(Invocations shared, HttpServerRequest req, Target target, Strategy strategy, MultiMap headers, boolean hasBody) {
        this.shared = shared;
        this.context = shared.vertx.getOrCreateContext();
        this.req = req;
        this.target = target;
        this.strategy = strategy;
        this.headers = headers;
        this.hasBody = hasBody;
    }

    /** Runs the function's strategy; completes with the response whose head has come, or the failure that ended it. */
    Future<HttpClientResponse> run() {
        Duration timeout = target.function().spec().timeout();
        long timer = shared.vertx.setTimer(Math.max(1, timeout.toMillis()), id -> abort(new AttemptFailure(Kind.TIMED_OUT,
                "function '" + name() + "' gave no response after " + Durations.format(timeout))));
        req.response().closeHandler(v -> abort(new AttemptFailure(Kind.CLIENT_GONE, "the client closed the connection")));
        Future<Void> ready = hasBody && strategy.replaysBodies() ? keepBody() : Future.succeededFuture();
        ready.compose(v -> strategy.invoke(this)).onComplete(result -> {
            if (result.failed()) {
                outcome.tryFail(result.cause());
            } else if (!outcome.tryComplete(result.result())) {
                result.result().request().reset();
            }
        });
        return outcome.future().onComplete(done -> shared.vertx.cancelTimer(timer));
    }

    /**
     * How many times the request was sent; sends started while another one was still open (replicas) count as
     * one.
     */
    int attempts() {
        return attempts;
    }

    /** The endpoint {@code response} came from (null for a response this invocation did not receive). */
    Endpoint answeredBy(HttpClientResponse response) {
        for (Send s : sends) {
            if (s.request != null && s.request == response.request()) return s.endpoint;
        }
        return null;
    }

    /** What the sends measured, once the invocation has ended. */
    Answer.Sent sent() {
        return new Answer.Sent(attempts, functionNanos(), coldWaitNanos);
    }

    /** Nanoseconds spent waiting for the executor to provide an instance. */
    long coldWaitNanos() {
        return coldWaitNanos;
    }

    /** Nanoseconds from the start of the send that answered to its response head; -1 when none answered. */
    long functionNanos() {
        if (!outcome.future().succeeded()) return -1;
        HttpClientRequest answered = outcome.future().result().request();
        for (Send s : sends) {
            if (s.request == answered && s.answeredAt != 0) return s.answeredAt - s.startedAt;
        }
        return -1;
    }

    @Override
    public Future<Endpoint> endpoint() {
        if (outcome.future().isComplete()) return Future.failedFuture(endedBy());
        Endpoint warm = shared.endpoints.pick(name());
        if (warm != null) return Future.succeededFuture(warm);
        Future<Endpoint> acquired = Future.fromCompletionStage(shared.coldStarts.acquire(name()), context);
        long waitFrom = System.nanoTime();
        acquired = acquired.andThen(done -> coldWaitNanos += Math.max(1, System.nanoTime() - waitFrom));
        return acquired.recover(failure -> Future.failedFuture(new AttemptFailure(Kind.UNAVAILABLE, ErrorReply.messageOf(failure))));
    }

    @Override
    public List<Endpoint> published() {
        return shared.endpoints.endpointsOf(name());
    }

    @Override
    public Future<List<Endpoint>> republished(Set<Endpoint> failed) {
        if (outcome.future().isComplete()) return Future.failedFuture(endedBy());
        Promise<List<Endpoint>> next = Promise.promise();
        Runnable stop = shared.endpoints.awaitEndpoints(name(), failed, context, next);
        outcome.future().onComplete(ended -> {
            stop.run();
            next.tryFail(endedBy());
        });
        return next.future();
    }

    @Override
    public Attempt<HttpClientResponse> start(Endpoint endpoint) {
        Send send = new Send(endpoint);
        if (outcome.future().isComplete()) {
            send.response = Future.failedFuture(endedBy());
            return send;
        }
        if (open++ == 0) attempts++;
        send.startedAt = System.nanoTime();
        sends.add(send);
        send.response = shared.client.request(options(endpoint)).transform(connected -> {
            if (connected.failed()) return Future.failedFuture(dialFailure(endpoint, connected.cause()));
            HttpClientRequest request = connected.result();
            if (outcome.future().isComplete() || send.cancelled) {
                request.reset();
                return Future.failedFuture(endedBy());
            }
            send.request = request;
            request.exceptionHandler(failure -> { }); // failures reach the strategy through response()
            sendBody(request);
            Future<HttpClientResponse> head = request.response();
            head = head.andThen(answered -> send.answeredAt = System.nanoTime());
            return head.recover(failure -> Future.failedFuture(lostFailure(endpoint, failure)))
                    .compose(response -> unlessFenced(endpoint, response));
        });
        send.response.onComplete(done -> open--);
        return send;
    }

    @Override
    public AttemptFailure superseded(Endpoint endpoint) {
        return lostFailure(endpoint, new IllegalStateException("another instance became the function's active while this request waited on it"));
    }

    @Override
    public int status(HttpClientResponse response) {
        return response.statusCode();
    }

    @Override
    public void unreachable(Endpoint endpoint) {
        shared.endpoints.forget(endpoint);
        shared.coldStarts.reportUnreachable(endpoint);
    }

    @Override
    public void suspect(Endpoint endpoint, AttemptFailure why) {
        shared.coldStarts.reportSuspect(endpoint, why.getMessage());
    }

    @Override
    public void forget(Endpoint endpoint) {
        shared.endpoints.forget(endpoint);
    }

    @Override
    public Future<Void> after(Duration delay) {
        Promise<Void> elapsed = Promise.promise();
        shared.vertx.setTimer(Math.max(1, delay.toMillis()), id -> elapsed.complete());
        return elapsed.future();
    }

    /** One send; {@link #cancel()} resets its request, now or as soon as it has a connection. */
    private static final class Send implements Attempt<HttpClientResponse> {
        private final Endpoint endpoint;
        private Future<HttpClientResponse> response;
        private HttpClientRequest request;
        private boolean cancelled;
        private long startedAt;
        private long answeredAt;

        Send(Endpoint endpoint) {
            this.endpoint = endpoint;
        }

        @Override
        public Future<HttpClientResponse> response() {
            return response;
        }

        @Override
        public void cancel() {
            cancelled = true;
            if (request != null) request.reset();
        }
    }

    private RequestOptions options(Endpoint endpoint) {
        return new RequestOptions()
                .setMethod(req.method())
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setURI(target.uri())
                .setHeaders(headersFor(endpoint))
                // Bounds the wait for a pooled connection too; the TCP connect itself is bounded by the client's
                // connectTimeout (see ServerVerticle), so the two failures can be told apart.
                .setConnectTimeout(shared.poolWait.toMillis());
    }

    /** The forwarded headers, plus the endpoint's epoch when it has one (a copy: sends may differ in epoch). */
    private MultiMap headersFor(Endpoint endpoint) {
        if (endpoint.epoch() <= 0) return headers;
        return HttpHeaders.headers().addAll(headers).set(EPOCH, Long.toString(endpoint.epoch()));
    }

    /**
     * The response, paused until relayed (a strategy may hold it while other sends run, and cancel it), or a
     * fenced failure.
     */
    private static Future<HttpClientResponse> unlessFenced(Endpoint endpoint, HttpClientResponse response) {
        response.pause();
        response.exceptionHandler(failure -> { }); // a cancel resets it; the relay sets its own handler
        if (response.statusCode() != 503 || !"true".equalsIgnoreCase(response.getHeader(FENCED))) {
            return Future.succeededFuture(response);
        }
        response.request().reset();
        return Future.failedFuture(new AttemptFailure(Kind.FENCED, endpoint.authority() + " (epoch " + endpoint.epoch()
                + ") is fenced: it is not its function's active instance for that epoch"));
    }

    /** Reads the whole body into {@link #keptBody}, up to the router's limit, so each attempt can send it. */
    private Future<Void> keepBody() {
        answerContinue();
        Promise<Void> kept = Promise.promise();
        Buffer body = Buffer.buffer();
        LimitedBody limited = new LimitedBody(req, shared.maxBodyBytes);
        limited.exceptionHandler(failure -> kept.tryFail(failure instanceof LimitedBody.TooLarge
                ? new AttemptFailure(Kind.BODY_TOO_LARGE, failure.getMessage())
                : new AttemptFailure(Kind.CLIENT_GONE, "the request body broke off: " + ErrorReply.messageOf(failure))));
        limited.handler(body::appendBuffer);
        limited.endHandler(v -> {
            keptBody = body;
            kept.tryComplete();
        });
        limited.resume();
        return kept.future();
    }

    private void answerContinue() {
        if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) req.response().writeContinue();
    }

    private void sendBody(HttpClientRequest request) {
        if (keptBody != null) {
            request.end(keptBody);
            return;
        }
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
        answerContinue();
        Pipe<Buffer> pipe = new LimitedBody(req, shared.maxBodyBytes).pipe();
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
        if (outcome.tryFail(failure)) {
            for (Send s : sends) if (s.request != null) s.request.reset(0, failure);
        }
    }

    private AttemptFailure endedBy() {
        return outcome.future().cause() instanceof AttemptFailure f ? f
                : new AttemptFailure(Kind.CLIENT_GONE, "the request has already ended");
    }

    private AttemptFailure dialFailure(Endpoint endpoint, Throwable cause) {
        if (isPoolWait(cause)) {
            return new AttemptFailure(Kind.OVERLOADED, "the router already holds as many calls to " + endpoint.authority()
                    + " as it may, and none ended within " + shared.poolWait.toMillis() + " ms", false, cause);
        }
        Kind kind = isTimeout(cause) ? Kind.DIAL_TIMEOUT : Kind.DIAL_REFUSED;
        return new AttemptFailure(kind, "cannot connect to " + endpoint.authority() + ": " + ErrorReply.messageOf(cause), true, cause);
    }

    /** Vert.x's failure when no pooled connection came within the request's connect timeout. */
    static boolean isPoolWait(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains("when getting a connection")) return true;
        }
        return false;
    }

    private AttemptFailure lostFailure(Endpoint endpoint, Throwable cause) {
        if (cause instanceof AttemptFailure f) return f;
        String lost = "connection to " + endpoint.authority() + " lost before a response: " + ErrorReply.messageOf(cause);
        boolean idempotent = Boolean.TRUE.equals(target.function().spec().idempotent());
        boolean bodyKept = !hasBody || keptBody != null;
        if (idempotent && bodyKept) return new AttemptFailure(Kind.CONNECTION_LOST, lost, true, cause);
        String why = !idempotent ? "function '" + name() + "' is not idempotent" : "its body was streamed, not kept";
        return new AttemptFailure(Kind.CONNECTION_LOST, lost + "; the request may have run on that instance and was not"
                + " re-sent because " + why, false, cause);
    }

    private String name() {
        return target.function().name();
    }

    private static boolean isTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TimeoutException || c.getClass().getSimpleName().contains("Timeout")) return true;
            if (c.getMessage() != null && c.getMessage().toLowerCase(Locale.ROOT).contains("timed out")) return true;
        }
        return false;
    }

}
