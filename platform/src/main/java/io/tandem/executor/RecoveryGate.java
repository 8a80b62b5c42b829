package io.tandem.executor;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Whether recovery work that can wait (a pool refill, a replacement standby) may start now. A JVM starting on a
 * saturated machine takes CPU from the instances that serve, which makes them slower, which (before suspicions were
 * confirmed) made them look dead: each recovery fed the next failure. So such work waits while the machine's CPU
 * pressure ({@link ProcessStates#cpuPressure()}) is at least {@link #SATURATED}, for at most {@link #MAX_DEFER} per
 * piece of work, and starts at once where the pressure cannot be read. Work that serves a caller now (a
 * promotion, a cold start, a specialization) never waits here.
 *
 * <p>Executor context only.
 */
final class RecoveryGate {
    /** Some runnable task waited for a CPU for 60 % of the last 10 s. */
    static final double SATURATED = 0.6;
    static final Duration MAX_DEFER = Duration.ofSeconds(10);

    enum Decision {
        START,
        /** Deferred, for the first time since it was last started: worth a log line. */
        DEFER_NOW,
        DEFER
    }

    private final Map<String, Instant> deferredSince = new HashMap<>();

    /** Whether the work named {@code key} may start, given the machine's {@code pressure} (0 to 1, negative: unknown). */
    Decision decide(String key, double pressure, Instant now) {
        if (pressure < SATURATED) {
            deferredSince.remove(key);
            return Decision.START;
        }
        Instant since = deferredSince.putIfAbsent(key, now);
        if (since == null) return Decision.DEFER_NOW;
        if (Duration.between(since, now).compareTo(MAX_DEFER) >= 0) {
            deferredSince.remove(key);
            return Decision.START;
        }
        return Decision.DEFER;
    }
}
