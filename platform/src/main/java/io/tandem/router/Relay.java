package io.tandem.router;

import io.tandem.http.ErrorReply;
import io.tandem.model.Endpoint;
import io.tandem.router.strategy.AttemptFailure;
import io.tandem.router.strategy.ResendPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.Pipe;

/**
 * The last stage: sends the call under its function's strategy ({@link Invocations}), then has the call's
 * {@link Dialect} relay the function's response to the client, or answer the failure that ended the call.
 */
final class Relay implements CallStage {
    static final String ATTEMPTS = "X-Tandem-Attempts";
    /** The instance that answered, as {@code <instance id>@<node>}: which replica won, which active served. */
    static final String INSTANCE = "X-Tandem-Instance";

    private final long maxBodyBytes;
    private final Invocations invocations;

    Relay(long maxBodyBytes, Invocations invocations) {
        this.maxBodyBytes = maxBodyBytes;
        this.invocations = invocations;
    }

    @Override
    public Future<Answer> handle(Call call) {
        HttpServerRequest req = call.req();
        Dialect dialect = call.dialect();
        boolean hasBody;
        if (dialect.readBody() != null) {
            hasBody = dialect.readBody().length() > 0;
        } else {
            String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH); // a number: BodyLimit refused any other
            long length = declared == null ? -1 : LimitedBody.declaredLength(declared);
            hasBody = length > 0 || (length < 0 && req.headers().contains(HttpHeaders.TRANSFER_ENCODING));
        }
        String requestId = dialect.requestId(req);
        Invocation invocation = invocations.start(req, call.target(), requestId, hasBody, dialect);
        Promise<Answer> answer = Promise.promise();
        invocation.run().onComplete(result -> {
            // A bodiless request must end on the server side, or the next request on its keep-alive connection is
            // never read; resuming again is harmless.
            if (!hasBody && !req.isEnded()) req.resume();
            // Sent more than once: the benchmark counts re-sent requests from this header.
            if (invocation.attempts() > 1) req.response().putHeader(ATTEMPTS, Integer.toString(invocation.attempts()));
            Answer.Sent sent = invocation.sent();
            if (result.failed()) {
                answer.complete(new Answer(fail(req, dialect, result.cause()), sent, Future.succeededFuture()));
                return;
            }
            Promise<Void> ended = Promise.promise();
            answer.complete(new Answer(result.result().statusCode(), sent, ended.future()));
            Endpoint answered = invocation.answeredBy(result.result());
            if (answered != null) req.response().putHeader(INSTANCE, answered.instanceId() + "@" + answered.node());
            dialect.relay(req, result.result(), answered, requestId, maxBodyBytes, ended::complete);
        });
        return answer.future();
    }

    /**
     * Streams the instance's response to the client as it is, with back-pressure; a failure on either side cuts
     * both. A body over {@code limit} bytes is refused with 502 when its length is announced, and cut (the
     * connection reset) when it passes the limit while streaming. {@code done} runs once the response has ended
     * either way.
     */
    static void relayAsIs(HttpServerRequest req, HttpClientResponse resp, String requestId, long limit, Runnable done) {
        HttpServerResponse out = req.response();
        String announced = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (announced != null && LimitedBody.declaredLength(announced) > limit) {
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
        streamBody(resp, out, limit, done);
    }

    /**
     * Pipes the body of {@code resp} into {@code out}, whose head is set, cutting both when either fails or the body
     * passes {@code limit} bytes; {@code done} runs once it has ended either way.
     */
    static void streamBody(HttpClientResponse resp, HttpServerResponse out, long limit, Runnable done) {
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

    /** Answers a failed call; returns its status, {@value Answer#CLIENT_CLOSED} when the client left and got none. */
    private static int fail(HttpServerRequest req, Dialect dialect, Throwable cause) {
        if (!(cause instanceof AttemptFailure f)) {
            return reply(req, dialect, 502, "proxy error", ResendPolicy.messageOf(cause));
        }
        return switch (f.kind()) {
            case TIMED_OUT -> reply(req, dialect, 504, "function timed out", f.getMessage());
            case BODY_TOO_LARGE -> reply(req, dialect, 413, "request body too large", f.getMessage());
            case UNAVAILABLE, FENCED -> reply(req, dialect, 503, "function unavailable", f.getMessage());
            case OVERLOADED -> Shedding.shed(req, dialect, f.getMessage());
            case DIAL_TIMEOUT -> {
                // The instance did not accept in time (its accept queue full, or it is hung): the call never ran.
                req.response().putHeader(HttpHeaders.RETRY_AFTER, Shedding.RETRY_AFTER_SECONDS);
                yield reply(req, dialect, 503, "function unavailable", f.getMessage());
            }
            case DIAL_REFUSED -> reply(req, dialect, 502, "function unreachable", f.getMessage());
            case CONNECTION_LOST -> reply(req, dialect, 502, "function connection lost", f.getMessage());
            case CLIENT_GONE -> {
                req.response().reset();
                yield Answer.CLIENT_CLOSED;
            }
        };
    }

    private static int reply(HttpServerRequest req, Dialect dialect, int status, String error, String detail) {
        dialect.refuse(req, status, error, detail);
        return status;
    }
}
