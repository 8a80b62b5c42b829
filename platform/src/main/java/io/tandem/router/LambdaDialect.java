package io.tandem.router;

import io.tandem.http.ErrorReply;
import io.tandem.model.Endpoint;
import io.tandem.model.LogRecord;
import io.tandem.router.lambda.InvokeTarget;
import io.tandem.router.lambda.LambdaError;
import io.tandem.router.lambda.LogTail;
import io.tandem.router.strategy.ResendPolicy;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The Lambda Invoke API's answers to one synchronous call ({@link LambdaRoutes}): the function's response as the
 * payload with status 200, whatever status the function gave; a function that failed (its answer carries
 * {@code X-Amz-Function-Error}, or it answered a status outside 2xx, which is passed on in
 * {@value #FUNCTION_STATUS}) gets {@code X-Amz-Function-Error}; the router's own errors in Lambda's shapes
 * ({@link LambdaError#ofRefusal}). Every answer has {@value #REQUEST_ID}, the id the function saw as
 * {@code X-Tandem-Request-Id}.
 *
 * <p>Log tail ({@code X-Amz-Log-Type: Tail}): the payload is held (within the body limit) until the lines of the
 * call are read, since they go in a header. The call's lines are those that the instance that answered wrote from
 * the call's start until {@value #SETTLE_MILLIS} ms after its response ended, as its agent stamped them. This is
 * approximate: another call the same instance served meanwhile adds its lines, and a line the agent read later than
 * that is left out.
 *
 * <p>Confined to the call's event loop.
 */
final class LambdaDialect implements Dialect {
    static final String REQUEST_ID = "x-amzn-RequestId";
    static final String ERROR_TYPE = "X-Amzn-ErrorType";
    static final String FUNCTION_ERROR = "X-Amz-Function-Error";
    static final String EXECUTED_VERSION = "X-Amz-Executed-Version";
    static final String LOG_RESULT = "X-Amz-Log-Result";
    /** The status of a function's answer outside 2xx, which the API answers 200 with a function error. */
    static final String FUNCTION_STATUS = "X-Tandem-Function-Status";
    /** The request headers that carry the caller's AWS credentials: never passed on to the function. */
    static final List<String> CREDENTIALS = List.of(HttpHeaders.AUTHORIZATION.toString(), "X-Amz-Security-Token");
    /** How long after a response's end its instance's lines are waited for, as the agent reads them. */
    static final long SETTLE_MILLIS = 150;
    /** The most lines a tail is made of: more would not fit its 4 KB anyway. */
    static final int TAIL_LINES = 400;

    private final Vertx vertx;
    private final String requestId;
    private final Buffer body;
    private final CallLogs logs;
    /** The call's start, for the log tail; null when no tail was asked for. */
    private final Instant tailFrom;
    private final long startNanos = System.nanoTime();

    /** A call whose request {@code body} the API has read; {@code logs} is null when no log tail was asked for. */
    LambdaDialect(Vertx vertx, String requestId, Buffer body, CallLogs logs, Instant now) {
        this.vertx = vertx;
        this.requestId = requestId;
        this.body = body;
        this.logs = logs;
        this.tailFrom = logs == null ? null : now;
    }

    @Override
    public String requestId(HttpServerRequest req) {
        return requestId;
    }

    @Override
    public Buffer readBody() {
        return body;
    }

    /** The signature is the caller's credential for this API, not the function's business. */
    @Override
    public void adjust(MultiMap toInstance) {
        CREDENTIALS.forEach(toInstance::remove);
    }

    @Override
    public void refuse(HttpServerRequest req, int status, String error, String detail) {
        answer(req, LambdaError.ofRefusal(status, error, detail), requestId);
    }

    /** Answers {@code req} with {@code error} in its Lambda shape. Call on the request's event loop. */
    static void answer(HttpServerRequest req, LambdaError error, String requestId) {
        HttpServerResponse out = req.response();
        if (out.headWritten()) {
            if (!out.ended()) out.reset();
            return;
        }
        out.putHeader(REQUEST_ID, requestId);
        switch (error) {
            case LambdaError.ServiceError e -> {
                out.putHeader(ERROR_TYPE, e.errorType());
                ErrorReply.sendJson(req, e.status(), e.body().toBuffer().getBytes());
            }
            case LambdaError.FunctionError e -> {
                out.putHeader(FUNCTION_ERROR, "Unhandled").putHeader(EXECUTED_VERSION, InvokeTarget.LATEST);
                ErrorReply.sendJson(req, 200, e.body().toBuffer().getBytes());
            }
        }
    }

    @Override
    public void relay(HttpServerRequest req, HttpClientResponse resp, Endpoint answeredBy, String requestId, long limit, Runnable done) {
        HttpServerResponse out = req.response();
        String announced = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (announced != null && LimitedBody.declaredLength(announced) > limit) {
            resp.request().reset();
            answer(req, tooLarge(limit), requestId);
            done.run();
            return;
        }
        out.setStatusCode(200).putHeader(REQUEST_ID, requestId).putHeader(EXECUTED_VERSION, InvokeTarget.LATEST);
        String contentType = resp.getHeader(HttpHeaders.CONTENT_TYPE);
        out.putHeader(HttpHeaders.CONTENT_TYPE, contentType == null ? "application/json" : contentType);
        String functionError = resp.getHeader(FUNCTION_ERROR);
        int status = resp.statusCode();
        if (functionError == null && (status < 200 || status > 299)) {
            functionError = "Unhandled";
            out.putHeader(FUNCTION_STATUS, Integer.toString(status));
        }
        if (functionError != null) out.putHeader(FUNCTION_ERROR, functionError);
        if (tailFrom == null) {
            if (announced != null) out.putHeader(HttpHeaders.CONTENT_LENGTH, announced.trim());
            else out.setChunked(true);
            Relay.streamBody(resp, out, limit, done);
        } else {
            holdForTail(req, resp, answeredBy, limit, done);
        }
    }

    private static LambdaError.FunctionError tooLarge(long limit) {
        return new LambdaError.FunctionError("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size (" + limit + " bytes).");
    }

    /** Reads the payload whole, then the call's log lines, then answers with both. */
    private void holdForTail(HttpServerRequest req, HttpClientResponse resp, Endpoint answeredBy, long limit, Runnable done) {
        Buffer payload = Buffer.buffer();
        LimitedBody limited = new LimitedBody(resp, limit);
        limited.exceptionHandler(failure -> {
            resp.request().reset();
            if (failure instanceof LimitedBody.TooLarge) answer(req, tooLarge(limit), requestId);
            else req.response().reset();
            done.run();
        });
        limited.handler(payload::appendBuffer);
        limited.endHandler(v -> {
            long durationNanos = System.nanoTime() - startNanos;
            Instant until = Instant.now().plusMillis(SETTLE_MILLIS);
            Context context = vertx.getOrCreateContext();
            vertx.setTimer(SETTLE_MILLIS, t -> readTail(answeredBy).whenComplete((lines, failure) -> context.runOnContext(x -> {
                List<LogRecord> shown = new ArrayList<>();
                if (lines != null) for (LogRecord r : lines) if (!r.time().isAfter(until)) shown.add(r);
                if (failure != null) {
                    shown.add(new LogRecord(Instant.now(), "", "", "", "stderr", "[Tandem: the instance's log could not be read: " + ResendPolicy.messageOf(failure) + "]"));
                }
                String instance = answeredBy == null ? null : answeredBy.instanceId() + "@" + answeredBy.node();
                HttpServerResponse out = req.response();
                if (!out.closed() && !out.ended()) {
                    out.putHeader(LOG_RESULT, LogTail.encoded(LogTail.text(requestId, shown, durationNanos, instance)));
                    out.end(payload);
                }
                done.run();
            })));
        });
        limited.resume();
    }

    private CompletionStage<List<LogRecord>> readTail(Endpoint answeredBy) {
        if (answeredBy == null) return CompletableFuture.completedFuture(List.of());
        return logs.since(answeredBy, tailFrom, TAIL_LINES);
    }
}
