package io.tandem.router.strategy;

import java.time.Duration;

/** How long to wait before attempt {@code attempt + 1}, after attempt {@code attempt} (from 1) failed. */
@FunctionalInterface
public interface Backoff {
    Duration delay(int attempt);

    /** {@code first}, then {@code first * factor}, {@code first * factor^2}, ... (Fission: 50 ms, x2). */
    static Backoff exponential(Duration first, double factor) {
        return attempt -> Duration.ofNanos((long) (first.toNanos() * Math.pow(factor, attempt - 1)));
    }
}
