package io.tandem.router;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which headers cross the router. Hop-by-hop headers (RFC 9110 §7.6.1: {@code Connection} and every header it
 * names, {@code Keep-Alive}, {@code Proxy-*}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding},
 * {@code Upgrade}) are dropped both ways. Towards the instance the router also drops {@code Host} (the instance's
 * own authority is sent; the client's is in {@code X-Forwarded-Host}), {@code Expect} (the router answers
 * {@code 100-continue} itself), {@code X-Tandem-Epoch} (only the router names the epoch it routes to) and any
 * {@code X-Tandem-Param-*} the client sent, and adds {@code X-Forwarded-For},
 * {@code -Host}, {@code -Proto}, the trigger's path parameters as {@code X-Tandem-Param-<name>} (raw, as they
 * appear in the path) and {@code X-Tandem-Request-Id} when the client sent none. Stateless.
 */
final class ForwardedHeaders {
    static final String REQUEST_ID = "X-Tandem-Request-Id";
    static final String PARAM_PREFIX = "X-Tandem-Param-";
    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade");
    private static final Set<String> NOT_FORWARDED = Set.of("host", "expect", "x-tandem-epoch");
    private static final String PARAM_PREFIX_LOWER = PARAM_PREFIX.toLowerCase(Locale.ROOT);

    private ForwardedHeaders() {
    }

    /** The headers to send to the instance, given the request id chosen for this request. */
    static MultiMap requestHeaders(HttpServerRequest req, String requestId, Map<String, String> params) {
        MultiMap in = req.headers();
        Set<String> named = connectionTokens(in);
        MultiMap out = HttpHeaders.headers();
        for (Map.Entry<String, String> h : in) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (isHopByHop(name, named) || NOT_FORWARDED.contains(name) || name.startsWith(PARAM_PREFIX_LOWER)) continue;
            out.add(h.getKey(), h.getValue());
        }
        String clientAddress = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
        if (clientAddress != null) {
            String prior = in.get("X-Forwarded-For");
            out.set("X-Forwarded-For", prior == null ? clientAddress : prior + ", " + clientAddress);
        }
        String host = in.get(HttpHeaders.HOST);
        if (host != null && !out.contains("X-Forwarded-Host")) out.set("X-Forwarded-Host", host);
        if (!out.contains("X-Forwarded-Proto")) out.set("X-Forwarded-Proto", req.scheme() == null ? "http" : req.scheme());
        if (!out.contains(REQUEST_ID)) out.set(REQUEST_ID, requestId);
        params.forEach((name, value) -> out.set(PARAM_PREFIX + name, value));
        return out;
    }

    /** Copies the instance's response headers, less hop-by-hop ones, into {@code out}. */
    static void copyResponseHeaders(MultiMap in, MultiMap out) {
        Set<String> named = connectionTokens(in);
        for (Map.Entry<String, String> h : in) {
            if (!isHopByHop(h.getKey().toLowerCase(Locale.ROOT), named)) out.add(h.getKey(), h.getValue());
        }
    }

    static String requestIdOf(HttpServerRequest req) {
        String id = req.getHeader(REQUEST_ID);
        if (id != null) return id;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
    }

    private static boolean isHopByHop(String lowerName, Set<String> named) {
        return HOP_BY_HOP.contains(lowerName) || lowerName.startsWith("proxy-") || named.contains(lowerName);
    }

    private static Set<String> connectionTokens(MultiMap headers) {
        if (!headers.contains(HttpHeaders.CONNECTION)) return Set.of();
        Set<String> tokens = new HashSet<>();
        for (String value : headers.getAll(HttpHeaders.CONNECTION)) {
            for (String token : value.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty()) tokens.add(t);
            }
        }
        return tokens;
    }
}
