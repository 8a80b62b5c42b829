package io.tandem.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The instance's secret: what lets its agent specialize it and the executor grant it leases, and nobody else. Any
 * local process can reach an instance's loopback port; only the platform knows the secret.
 *
 * <p>The agent makes one per instance and writes it as the first line of the instance's standard input, then closes
 * it: it is in no environment variable, command line or file, so neither other local users ({@code /proc/<pid>/cmdline}
 * and {@code environ}) nor the processes an exec function forks can read it. Code running inside a java instance's
 * own JVM could find it in memory; all it could do with it is drive the one instance it already runs in.
 *
 * <p>Immutable and thread-safe.
 */
public final class Secret {
    /** The header that carries the secret on {@code /_/specialize} and on lease grants. */
    public static final String HEADER = "X-Tandem-Secret";
    private static final int MAX_LENGTH = 256;

    private final byte[] value;

    private Secret(byte[] value) {
        this.value = value;
    }

    public static Secret of(String value) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException("the instance secret is empty");
        if (value.length() > MAX_LENGTH) throw new IllegalArgumentException("the instance secret is longer than " + MAX_LENGTH + " characters");
        return new Secret(value.strip().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads the first line of {@code in} (the instance's standard input) byte by byte, so nothing past it is consumed.
     * Fails when the input ends before a non-empty line: the process was not started by an agent.
     */
    static Secret readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) break;
            if (line.length() > MAX_LENGTH) throw new IllegalArgumentException("the first line of standard input is longer than an instance secret");
            line.append((char) b);
        }
        if (line.toString().isBlank()) {
            throw new IllegalArgumentException("no instance secret on standard input: an agent starts instances and writes their secret"
                    + " as the first line of standard input (see docs/instance-protocol.md)");
        }
        return of(line.toString());
    }

    /** Whether {@code presented} is this secret; in time that does not depend on how much of it matches. */
    public boolean admits(String presented) {
        return presented != null && MessageDigest.isEqual(value, presented.strip().getBytes(StandardCharsets.UTF_8));
    }
}
