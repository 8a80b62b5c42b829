package io.tandem.router;

import io.tandem.model.Json;
import io.tandem.router.strategy.ResendPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** Router-made answers: every error is JSON {@code {"error": "...", "detail": "..."}}. */
final class ErrorReply {
    private ErrorReply() {
    }

    /** How long a client is told to wait before it sends a shed call again, in seconds. */
    static final String RETRY_AFTER_SECONDS = "1";

    /** How long an unread request body is drained after an error answer before the connection is closed. */
    static final long LINGER_MILLIS = 2000;

    /**
     * Answers {@code status} with the error, or resets the response when its head has already gone. When the
     * request body was not read to its end, it is read and dropped so the client can read the answer (closing
     * at once could make the client's TCP stack discard it) and the connection can serve the next request; a
     * body still arriving after {@link #LINGER_MILLIS} has its connection closed.
     */
    static void send(HttpServerRequest req, int status, String error, String detail) {
        HttpServerResponse resp = req.response();
        if (resp.ended()) return;
        if (resp.headWritten()) {
            resp.reset();
            return;
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("detail", detail);
        resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        resp.end(Buffer.buffer(Json.writeBytes(body)));
        if (!req.isEnded()) drain(req);
    }

    /**
     * Sheds a call the function has no room for: 503 with {@code Retry-After}, as a load balancer does for a
     * saturated backend (and unlike 429, which says the client itself sent too much). Returns the status.
     */
    static int shed(HttpServerRequest req, String why) {
        req.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        send(req, 503, "function overloaded", why + "; the call did not run: send it again after " + RETRY_AFTER_SECONDS + " s");
        return 503;
    }

    /** The message of {@code t} for an error detail: its cause's when it merely wraps one, else its class name. */
    static String messageOf(Throwable t) {
        return ResendPolicy.messageOf(t);
    }

    /** A {@code Content-Length} header's value, or -1 when it is not a number. */
    static long parseLength(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void drain(HttpServerRequest req) {
        Vertx vertx = Vertx.currentContext().owner();
        long timer = vertx.setTimer(LINGER_MILLIS, id -> req.connection().close());
        req.end().onComplete(done -> vertx.cancelTimer(timer));
        req.handler(chunk -> { });
        req.resume();
    }
}
