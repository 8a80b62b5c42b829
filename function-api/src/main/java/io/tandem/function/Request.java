package io.tandem.function;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP request to a function, immutable. {@code path} is what follows the function's route (decoded, starting
 * with {@code /}); {@code query} is the raw query string without {@code ?}, empty when there is none.
 */
public final class Request {
    private final String method;
    private final String path;
    private final String query;
    /** Parsed from {@link #query} on first use, by whichever thread asks first (any thread parses it equally). */
    private volatile Map<String, List<String>> queryParameters;
    private final Headers headers;
    private final byte[] body;

    private Request(Builder b) {
        this.method = b.method;
        this.path = b.path;
        this.query = b.query;
        this.headers = b.headers;
        this.body = b.body;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public String query() {
        return query;
    }

    /** The first value of query parameter {@code name}, decoded. */
    public Optional<String> queryParameter(String name) {
        List<String> list = queryParameters().get(name);
        return list == null ? Optional.empty() : Optional.of(list.get(0));
    }

    /** Every value of query parameter {@code name}, decoded; empty when absent. */
    public List<String> queryParameters(String name) {
        return queryParameters().getOrDefault(name, List.of());
    }

    /** All query parameters, decoded, in the order they appear. */
    public Map<String, List<String>> queryParameters() {
        Map<String, List<String>> parsed = queryParameters;
        if (parsed == null) {
            parsed = parseQuery(query);
            queryParameters = parsed;
        }
        return parsed;
    }

    public Headers headers() {
        return headers;
    }

    /** The first value of header {@code name}, whatever its case. */
    public Optional<String> header(String name) {
        return headers.first(name);
    }

    /** A copy of the body; empty, never null, when there is none. */
    public byte[] body() {
        return body.clone();
    }

    /** The body decoded as UTF-8. */
    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " (" + body.length + " bytes)";
    }

    private static Map<String, List<String>> parseQuery(String query) {
        if (query.isEmpty()) return Map.of();
        var params = new LinkedHashMap<String, List<String>>();
        for (int from = 0; from < query.length(); ) {
            int end = query.indexOf('&', from);
            if (end < 0) end = query.length();
            if (end > from) {
                int eq = query.indexOf('=', from);
                if (eq < 0 || eq > end) eq = end;
                String name = decode(query.substring(from, eq));
                String value = eq == end ? "" : decode(query.substring(eq + 1, end));
                List<String> had = params.putIfAbsent(name, List.of(value));
                if (had != null) params.put(name, append(had, value)); // a repeated name: rare
            }
            from = end + 1;
        }
        return Collections.unmodifiableMap(params);
    }

    private static List<String> append(List<String> values, String value) {
        var more = new ArrayList<String>(values.size() + 1);
        more.addAll(values);
        more.add(value);
        return List.copyOf(more);
    }

    private static String decode(String text) {
        if (text.indexOf('%') < 0 && text.indexOf('+') < 0) return text; // nothing to decode: the common case
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return text;
        }
    }

    /** Builds a request; defaults: {@code GET /}, no query, no headers, empty body. */
    public static final class Builder {
        private String method = "GET";
        private String path = "/";
        private String query = "";
        private Headers headers = Headers.empty();
        private byte[] body = new byte[0];

        private Builder() {
        }

        public Builder method(String method) {
            this.method = Objects.requireNonNull(method, "method");
            return this;
        }

        public Builder path(String path) {
            this.path = path == null || path.isEmpty() ? "/" : path;
            return this;
        }

        /** The raw query string, without {@code ?}; null means none. */
        public Builder query(String query) {
            this.query = query == null ? "" : query;
            return this;
        }

        public Builder headers(Headers headers) {
            this.headers = Objects.requireNonNull(headers, "headers");
            return this;
        }

        /** Adds one value to header {@code name}. */
        public Builder header(String name, String value) {
            this.headers = headers.plus(name, value);
            return this;
        }

        /** Takes ownership of {@code body}: the caller must not change it afterwards. */
        public Builder body(byte[] body) {
            this.body = body == null ? new byte[0] : body;
            return this;
        }

        public Builder body(String body) {
            return body(body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        }

        public Request build() {
            return new Request(this);
        }
    }
}
