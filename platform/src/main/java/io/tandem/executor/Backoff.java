package io.tandem.executor;

import java.time.Duration;

/** How long to wait before trying again after {@code failures} failures in a row (at least 1). */
@FunctionalInterface
public interface Backoff {
    Duration delay(int failures);

    /** {@code first}, doubling each failure, capped at {@code max}. */
    static Backoff exponential(Duration first, Duration max) {
        return failures -> {
            long ms = first.toMillis() << Math.min(20, Math.max(0, failures - 1));
            return Duration.ofMillis(Math.min(ms, max.toMillis()));
        };
    }
}
