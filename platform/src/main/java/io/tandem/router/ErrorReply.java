package io.tandem.router;

import io.tandem.model.Json;
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

    /**
     * Answers {@code status} with the error, or resets the response when its head has already gone. When the
     * request body was not read to its end, the connection is closed after the answer: its unread bytes would
     * otherwise be taken for the next request.
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
        boolean closeAfter = !req.isEnded();
        resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        if (closeAfter) resp.putHeader(HttpHeaders.CONNECTION, "close");
        resp.end(Buffer.buffer(Json.writeBytes(body))).onComplete(done -> {
            if (closeAfter) req.connection().close();
        });
    }
}
