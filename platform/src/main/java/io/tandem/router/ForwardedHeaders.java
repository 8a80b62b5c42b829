package io.tandem.router;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashSet;
import java.util.List;
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
    private static final String HOST = "Host";
    private static final String FORWARDED_FOR = "X-Forwarded-For";
    private static final String FORWARDED_HOST = "X-Forwarded-Host";
    private static final String FORWARDED_PROTO = "X-Forwarded-Proto";
    // Names are compared ignoring case, never lower-cased into a new string: this runs for every header of every call.
    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade");
    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();
    private static final List<String> NOT_FORWARDED = List.of("host", "expect", "x-tandem-epoch");

    private ForwardedHeaders() {
    }

    /** The headers to send to the instance, given the request id chosen for this request. */
    static MultiMap requestHeaders(HttpServerRequest req, String requestId, Map<String, String> params) {
        MultiMap out = HttpHeaders.headers();
        addRequestHeaders(req, requestId, params, out);
        return out;
    }

    /**
     * Adds to {@code out}, which holds no header yet, the headers to send to the instance, given the request id
     * chosen for this request: written straight into an outgoing request, they are copied once.
     */
    static void addRequestHeaders(HttpServerRequest req, String requestId, Map<String, String> params, MultiMap out) {
        MultiMap in = req.headers();
        Set<String> named = connectionTokens(in);
        String clientAddress = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
        String host = null;
        String forwardedFor = null;
        boolean hasForwardedHost = false;
        boolean hasForwardedProto = false;
        boolean hasRequestId = false;
        for (Map.Entry<String, String> h : in) {
            String name = h.getKey();
            if (host == null && HOST.equalsIgnoreCase(name)) host = h.getValue();
            boolean isForwardedFor = FORWARDED_FOR.equalsIgnoreCase(name);
            if (isForwardedFor && forwardedFor == null) forwardedFor = h.getValue();
            if (isHopByHop(name, named) || isOneOf(name, NOT_FORWARDED) || startsWithIgnoringCase(name, PARAM_PREFIX)) continue;
            if (isForwardedFor && clientAddress != null) continue; // replaced below by its first value and the client's address
            hasForwardedHost |= FORWARDED_HOST.equalsIgnoreCase(name);
            hasForwardedProto |= FORWARDED_PROTO.equalsIgnoreCase(name);
            hasRequestId |= REQUEST_ID.equalsIgnoreCase(name);
            out.add(name, h.getValue());
        }
        if (clientAddress != null) out.add(FORWARDED_FOR, forwardedFor == null ? clientAddress : forwardedFor + ", " + clientAddress);
        if (host != null && !hasForwardedHost) out.add(FORWARDED_HOST, host);
        if (!hasForwardedProto) out.add(FORWARDED_PROTO, req.scheme() == null ? "http" : req.scheme());
        if (!hasRequestId) out.add(REQUEST_ID, requestId);
        params.forEach((name, value) -> out.set(PARAM_PREFIX + name, value));
    }

    /** Copies the instance's response headers, less hop-by-hop ones, into {@code out}. */
    static void copyResponseHeaders(MultiMap in, MultiMap out) {
        Set<String> named = connectionTokens(in);
        for (Map.Entry<String, String> h : in) {
            if (!isHopByHop(h.getKey(), named)) out.add(h.getKey(), h.getValue());
        }
    }

    static String requestIdOf(HttpServerRequest req) {
        String id = req.getHeader(REQUEST_ID);
        return id != null ? id : newRequestId();
    }

    static String newRequestId() {
        // A random (version 4) UUID in its usual text, as Lambda's request ids are, written into one array from two
        // random longs: a new id on every call that has none. Not UUID.randomUUID, which locks the system's
        // SecureRandom on every call.
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long high = (r.nextLong() & ~0xf000L) | 0x4000L; // version 4
        long low = (r.nextLong() & ~(0x3L << 62)) | (0x2L << 62); // the IETF variant
        char[] text = new char[36];
        hex(high >>> 32, 8, text, 0);
        text[8] = '-';
        hex(high >>> 16, 4, text, 9);
        text[13] = '-';
        hex(high, 4, text, 14);
        text[18] = '-';
        hex(low >>> 48, 4, text, 19);
        text[23] = '-';
        hex(low, 12, text, 24);
        return new String(text);
    }

    /** The low {@code digits} hexadecimal digits of {@code value} into {@code into} from {@code from}. */
    private static void hex(long value, int digits, char[] into, int from) {
        for (int i = from + digits - 1; i >= from; i--) {
            into[i] = HEX_DIGITS[(int) (value & 0xf)];
            value >>>= 4;
        }
    }

    private static boolean isHopByHop(String name, Set<String> named) {
        return isOneOf(name, HOP_BY_HOP) || startsWithIgnoringCase(name, "proxy-")
                || (!named.isEmpty() && named.contains(name.toLowerCase(Locale.ROOT)));
    }

    private static boolean isOneOf(String name, List<String> lowerCaseNames) {
        for (String n : lowerCaseNames) {
            if (n.equalsIgnoreCase(name)) return true;
        }
        return false;
    }

    private static boolean startsWithIgnoringCase(String name, String prefix) {
        return name.regionMatches(true, 0, prefix, 0, prefix.length());
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
