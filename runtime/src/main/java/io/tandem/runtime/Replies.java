package io.tandem.runtime;

import com.sun.net.httpserver.HttpExchange;
import io.tandem.runtime.http.HeaderFields;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Writes the runtime's own answers: JSON bodies, and the {@code {"error", "detail"}} shape of every failure. */
public final class Replies {
    /** A request id the router may pass; the runtime makes one up otherwise. */
    public static final String REQUEST_ID_HEADER = "X-Tandem-Request-Id";

    private Replies() {
    }

    public static void json(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        send(exchange, status, bytes);
    }

    public static void error(HttpExchange exchange, int status, String error, String detail) throws IOException {
        json(exchange, status, errorBody(error, detail));
    }

    public static Map<String, String> errorBody(String error, String detail) {
        var body = new LinkedHashMap<String, String>();
        body.put("error", error);
        if (detail != null) body.put("detail", detail);
        return body;
    }

    /** A 500 for a function that threw: the stack trace goes to the instance's log (stderr). */
    public static void functionFailed(HttpExchange exchange, String requestId, Throwable failure) throws IOException {
        System.err.println("[" + requestId + "] function failed:");
        failure.printStackTrace();
        error(exchange, 500, "function failed", describe(failure));
    }

    /** {@code <exception class>: <message>}, the way the protocol reports failures. */
    /** A raw query string's parameters, first value of each, decoded; an absent query gives an empty map. */
    public static Map<String, String> query(String rawQuery) {
        Map<String, String> out = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) return out;
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(key, value);
        }
        return out;
    }

    public static String describe(Throwable failure) {
        return failure.getClass().getName() + ": " + failure.getMessage();
    }

    /** Sends {@code body} with a fixed length; HEAD requests and bodiless statuses get none. */
    public static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        boolean bodiless = body.length == 0 || status == 204 || status == 304 || "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, bodiless ? -1 : body.length);
        if (!bodiless) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    public static String requestId(HttpExchange exchange) {
        String given = HeaderFields.of(exchange).first(REQUEST_ID_HEADER);
        return given == null || given.isBlank() ? randomId() : given;
    }

    /**
     * A version-4 UUID from {@link ThreadLocalRandom}: a request id only has to be unique, and {@link UUID#randomUUID}
     * reads the system's secure random source under a lock on every call.
     */
    static String randomId() {
        var random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xf000L) | 0x4000L;
        long low = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}
