package io.tandem.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.model.Json;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON body of every error a role answers, {@code {"error": "...", "detail": "..."}}: what was wrong and how to
 * fix it ({@code detail}, may be null, then left out). {@link ErrorReply} sends it; clients read it back with
 * {@link #parse}.
 */
public record ErrorBody(String error, String detail) {

    /** The body's bytes, {@code detail} left out when null. */
    public byte[] toJson() {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", error);
        if (detail != null) body.put("detail", detail);
        return Json.writeBytes(body);
    }

    /** The error a body holds; empty when it is not JSON or names no {@code error}. */
    public static Optional<ErrorBody> parse(byte[] body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || !node.hasNonNull("error")) return Optional.empty();
            JsonNode detail = node.get("detail");
            return Optional.of(new ErrorBody(node.get("error").asText(), detail == null || detail.isNull() ? null : detail.asText()));
        } catch (IOException | RuntimeException notJson) {
            return Optional.empty();
        }
    }

    /** One line: {@code error: detail}, or the error alone when there is no detail. */
    public String describe() {
        return detail == null || detail.isBlank() ? error : error + ": " + detail;
    }
}
