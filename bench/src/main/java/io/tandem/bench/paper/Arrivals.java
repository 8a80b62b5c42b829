package io.tandem.bench.paper;

import java.util.Arrays;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * When an open-loop load sends each of its requests. {@link #FIXED}: evenly spaced. {@link #POISSON}: a Poisson
 * process with the same mean rate, as load generators such as Tsung produce (exponential gaps); drawn as {@code n}
 * uniform times over the run, sorted, which is a Poisson process given its count.
 */
enum Arrivals {
    FIXED, POISSON;

    /** Send times of {@code count} requests over {@code durationNanos}, in nanoseconds from the start, ascending. */
    long[] schedule(int count, long durationNanos, RandomGenerator random) {
        long[] at = new long[count];
        for (int i = 0; i < count; i++) {
            at[i] = switch (this) {
                case FIXED -> durationNanos * i / count;
                case POISSON -> (long) (random.nextDouble() * durationNanos);
            };
        }
        Arrays.sort(at);
        return at;
    }

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Arrivals fromWire(String text) {
        for (Arrivals a : values()) {
            if (a.wireName().equals(text.trim().toLowerCase(Locale.ROOT))) return a;
        }
        throw new IllegalArgumentException("unknown arrivals '" + text + "': use fixed or poisson");
    }
}
