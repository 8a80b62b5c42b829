package io.tandem.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/** The one shape of every error a role answers: JSON {@code {"error": "...", "detail": "..."}}, a null detail left out. */
public final class ErrorReply {
    private ErrorReply() {
    }

    /** How long an unread request body is drained after an error answer before the connection is closed. */
    public static final long LINGER_MILLIS = 2000;

    /** Answers with {@code e}; does nothing when the response has ended or its head is already on its way. */
    public static void send(HttpServerResponse resp, ApiException e) {
        send(resp, e.status(), e.error(), e.detail());
    }

    public static void send(HttpServerResponse resp, int status, String error, String detail) {
        if (resp.ended() || resp.closed() || resp.headWritten()) return;
        resp.setStatusCode(status).putHeader("Content-Type", "application/json").end(Buffer.buffer(body(error, detail)));
    }

    /**
     * Answers {@code req} with the error, or resets the response when its head has already gone, for a role that
     * answers before it has read the request's body (the router). When the body was not read to its end, it is
     * read and dropped so the client can read the answer (closing at once could make the client's TCP stack
     * discard it) and the connection can serve the next request; a body still arriving after
     * {@link #LINGER_MILLIS} has its connection closed. Call on the request's event loop.
     */
    public static void send(HttpServerRequest req, int status, String error, String detail) {
        sendJson(req, status, body(error, detail));
    }

    /**
     * Answers {@code req} with the JSON document {@code json}, as {@link #send(HttpServerRequest, int, String, String)}
     * does: for an API whose errors have a shape of their own (the Lambda Invoke API's), with headers of its own
     * already on the response.
     */
    public static void sendJson(HttpServerRequest req, int status, byte[] json) {
        HttpServerResponse resp = req.response();
        if (resp.ended()) return;
        if (resp.headWritten()) {
            resp.reset();
            return;
        }
        resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        resp.end(Buffer.buffer(json));
        if (!req.isEnded()) drain(req);
    }

    /** The error body's bytes. */
    public static byte[] body(String error, String detail) {
        return new ErrorBody(error, detail).toJson();
    }

    private static void drain(HttpServerRequest req) {
        Vertx vertx = Vertx.currentContext().owner();
        long timer = vertx.setTimer(LINGER_MILLIS, id -> req.connection().close());
        req.end().onComplete(done -> vertx.cancelTimer(timer));
        req.handler(chunk -> { });
        req.resume();
    }
}
