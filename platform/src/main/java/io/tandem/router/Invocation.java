package io.tandem.router;

import io.tandem.model.Durations;
import io.tandem.model.Endpoint;
import io.tandem.router.strategy.Attempt;
import io.tandem.router.strategy.AttemptFailure;
import io.tandem.router.strategy.AttemptFailure.Kind;
import io.tandem.router.strategy.Attempts;
import io.tandem.router.strategy.ResendPolicy;
import io.tandem.router.strategy.Strategy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.Pipe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One request's life on its way to a function: the {@link Attempts} a strategy works with, the function's timeout,
 * the client going away, and the request body; each attempt goes out through {@link HttpTransport}, and whether a
 * failed one may go again is {@link io.tandem.router.strategy.ResendPolicy}'s to say.
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
 * <p>The timeout runs from the request's arrival to the response head, cold start included; a response that
 * has started streams for as long as it takes.
 *
 * <p>It keeps two times, for metrics and for the function's {@linkplain io.tandem.router.overload.ConcurrencyLimit
 * concurrency limit}: how long the request waited for the executor's cold starts, and how long the send that
 * answered took from its start to its response head (the function's time as the router sees it).
 */
final class Invocation implements Attempts<HttpClientResponse>, HttpTransport.Outgoing {

    private final Invocations shared;
    private final Context context;
    private final HttpServerRequest req;
    private final Target target;
    private final Strategy strategy;
    /** The id the request goes out with, chosen once for all its attempts. */
    private final String requestId;
    private final boolean hasBody;
    private final Dialect dialect;
    private final Promise<HttpClientResponse> outcome = Promise.promise();
    /** Every send to an instance, whose request is reset when the invocation is aborted. */
    private final List<HttpTransport.Exchange> sends = new ArrayList<>(1);
    private Buffer keptBody;
    private boolean bodyStarted;
    private int open;
    private int attempts;
    private long coldWaitNanos;

    Invocation(Invocations shared, HttpServerRequest req, Target target, Strategy strategy, String requestId, boolean hasBody, Dialect dialect) {
        this.shared = shared;
        this.context = shared.vertx.getOrCreateContext();
        this.req = req;
        this.target = target;
        this.strategy = strategy;
        this.requestId = requestId;
        this.hasBody = hasBody;
        this.dialect = dialect;
        // A body the API read whole is kept, as a replayed one is: every attempt sends it, and it may go again.
        this.keptBody = dialect.readBody();
    }

    /** Runs the function's strategy; completes with the response whose head has come, or the failure that ended it. */
    Future<HttpClientResponse> run() {
        Duration timeout = target.function().spec().timeout();
        Deadlines.Deadline deadline = shared.deadlines.start(Math.max(1, timeout.toMillis()), () -> abort(new AttemptFailure(Kind.TIMED_OUT,
                "function '" + name() + "' gave no response after " + Durations.format(timeout))));
        req.response().closeHandler(v -> abort(new AttemptFailure(Kind.CLIENT_GONE, "the client closed the connection")));
        Future<HttpClientResponse> invoked = keptBody == null && hasBody && strategy.replaysBodies() ? keepBody().compose(v -> strategy.invoke(this)) : strategy.invoke(this);
        invoked.onComplete(result -> {
            if (result.failed()) {
                outcome.tryFail(result.cause());
            } else if (!outcome.tryComplete(result.result())) {
                result.result().request().reset();
            }
        });
        return outcome.future().onComplete(done -> deadline.cancel());
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
        for (HttpTransport.Exchange s : sends) {
            if (s.gave(response)) return s.endpoint;
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

    /** Nanoseconds from the start of the send that answered to its response head; empty when none answered. */
    OptionalLong functionNanos() {
        if (!outcome.future().succeeded()) return OptionalLong.empty();
        HttpClientResponse answer = outcome.future().result();
        for (HttpTransport.Exchange s : sends) {
            if (s.gave(answer)) return OptionalLong.of(s.headNanos());
        }
        return OptionalLong.empty();
    }

    @Override
    public Future<Endpoint> endpoint() {
        if (outcome.future().isComplete()) return Future.failedFuture(endedBy());
        Endpoint warm = shared.endpoints.pick(name());
        if (warm != null) return Future.succeededFuture(warm);
        Future<Endpoint> acquired = Future.fromCompletionStage(shared.coldStarts.acquire(name()), context);
        long waitFrom = System.nanoTime();
        acquired = acquired.andThen(done -> coldWaitNanos += Math.max(1, System.nanoTime() - waitFrom));
        acquired.onSuccess(cold -> outcome.future().onComplete(ended -> shared.coldStarts.callEnded(cold)));
        return acquired.recover(failure -> Future.failedFuture(new AttemptFailure(Kind.UNAVAILABLE, ResendPolicy.messageOf(failure))));
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
        if (outcome.future().isComplete()) return HttpTransport.Exchange.failed(endpoint, endedBy());
        if (open++ == 0) attempts++;
        HttpTransport.Exchange exchange = new HttpTransport.Exchange(endpoint);
        sends.add(exchange);
        shared.transport.send(exchange, this);
        exchange.response().onComplete(done -> open--);
        return exchange;
    }

    @Override
    public AttemptFailure superseded(Endpoint endpoint) {
        return lost(endpoint, new IllegalStateException("another instance became the function's active while this request waited on it"));
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

    @Override
    public HttpMethod method() {
        return req.method();
    }

    @Override
    public String uri() {
        return target.uri();
    }

    @Override
    public void addHeaders(MultiMap into) {
        ForwardedHeaders.addRequestHeaders(req, requestId, target.params(), into);
        dialect.adjust(into);
    }

    @Override
    public boolean ended() {
        return outcome.future().isComplete();
    }

    @Override
    public AttemptFailure lost(Endpoint endpoint, Throwable cause) {
        boolean idempotent = Boolean.TRUE.equals(target.function().spec().idempotent());
        return ResendPolicy.connectionLost(endpoint.authority(), cause, name(), idempotent, !hasBody || keptBody != null);
    }

    /** Reads the whole body into {@link #keptBody}, up to the router's limit, so each attempt can send it. */
    private Future<Void> keepBody() {
        answerContinue();
        Promise<Void> kept = Promise.promise();
        Buffer body = Buffer.buffer();
        LimitedBody limited = new LimitedBody(req, shared.maxBodyBytes);
        limited.exceptionHandler(failure -> kept.tryFail(failure instanceof LimitedBody.TooLarge
                ? new AttemptFailure(Kind.BODY_TOO_LARGE, failure.getMessage())
                : new AttemptFailure(Kind.CLIENT_GONE, "the request body broke off: " + ResendPolicy.messageOf(failure))));
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

    @Override
    public void writeBody(HttpClientRequest request) {
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
        if (!request.headers().contains(HttpHeaders.CONTENT_LENGTH)) request.setChunked(true);
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
            for (HttpTransport.Exchange s : sends) s.abort(failure);
        }
    }

    @Override
    public AttemptFailure endedBy() {
        return outcome.future().cause() instanceof AttemptFailure f ? f
                : new AttemptFailure(Kind.CLIENT_GONE, "the request has already ended");
    }

    private String name() {
        return target.function().name();
    }
}
