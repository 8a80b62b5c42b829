package io.tandem.model;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A call accepted to run later: what the router took in at {@code POST /async-function/<function><path>}. The
 * function sees {@code method}, {@code path} (with the query) and {@code headers} as it would see the call made
 * at once; {@code callbackUrl}, when given, receives the result.
 */
public record AsyncCall(String id, String function, String method, String path, Map<String, String> headers, byte[] body,
                        String callbackUrl, Instant acceptedAt) {
    /** Most bytes of an async call's body, as AWS Lambda's asynchronous invocations. */
    public static final int MAX_BODY_BYTES = 256 * 1024;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern ID = Pattern.compile("^[0-9a-f]{32}$");

    /**
     * A new call id: 128 random bits in hex. Whoever holds it may read the call's state, so it cannot be guessed.
     */
    public static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }
}
