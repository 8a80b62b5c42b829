package io.tandem.http;

import io.tandem.model.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one shape of every error a role answers: JSON {@code {"error": "...", "detail": "..."}}, a null detail left out. */
public final class ErrorReply {
    private ErrorReply() {
    }

    /** Answers with {@code e}; does nothing when the response has ended or its head is already on its way. */
    public static void send(HttpServerResponse resp, ApiException e) {
        send(resp, e.status(), e.error(), e.detail());
    }

    public static void send(HttpServerResponse resp, int status, String error, String detail) {
        if (resp.ended() || resp.closed() || resp.headWritten()) return;
        resp.setStatusCode(status).putHeader("Content-Type", "application/json").end(Buffer.buffer(body(error, detail)));
    }

    /** The error body's bytes. */
    public static byte[] body(String error, String detail) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", error);
        if (detail != null) body.put("detail", detail);
        return Json.writeBytes(body);
    }
}
