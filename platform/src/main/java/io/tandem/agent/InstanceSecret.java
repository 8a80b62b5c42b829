package io.tandem.agent;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secret an instance obeys (docs/instance-protocol.md): its agent makes one per instance, hands it over as the
 * first line of the instance's standard input, sends it on {@code /_/specialize}, and reports it to the executor,
 * whose prober sends it on lease grants and on the instance's control line. Nothing else can drive an instance.
 */
public final class InstanceSecret {
    /** The header that carries it over HTTP; the runtime reads the same name. */
    public static final String HEADER = "X-Tandem-Secret";
    private static final SecureRandom RANDOM = new SecureRandom();

    private InstanceSecret() {
    }

    /** 256 random bits, URL-safe base64. */
    public static String generate() {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }
}
