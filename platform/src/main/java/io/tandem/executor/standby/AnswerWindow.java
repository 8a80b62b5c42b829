package io.tandem.executor.standby;

import java.time.Duration;

/**
 * How long a probed instance may stay silent before it is suspected, learnt from the gaps between its recent answers,
 * in the manner of the phi-accrual failure detector (Hayashibara et al., 2004; used by Cassandra and Akka): the gaps
 * are taken as normally distributed, and the instance is suspected once its silence is so long that a healthy
 * instance would be that late with a probability of about 10^-8, that is {@value #DEVIATIONS} standard deviations
 * past the mean gap. Solving for the time instead of computing phi on every check gives the same verdict.
 *
 * <p>An instance that answers like clockwork gets the floor (the function's {@code heartbeatMisses} x
 * {@code heartbeatInterval}, which users set as the fastest detection they want); one whose answers come irregularly,
 * as on a busy machine, gets a longer budget, up to the ceiling. Not thread-safe: owned by its prober's context.
 */
final class AnswerWindow {
    /** phi = 8: a healthy instance is taken for dead about once in 10^8 checks. */
    static final double DEVIATIONS = 5.6;
    private static final int SIZE = 100;
    /** Fewer gaps than this say nothing yet: the floor holds. */
    private static final int MIN_SAMPLES = 10;

    private final long[] gaps = new long[SIZE];
    private final long floorNanos;
    private final long ceilingNanos;
    private final long minDeviationNanos;
    private int count;
    private int next;

    /**
     * @param interval the probe interval: the expected gap, and a quarter of it the smallest deviation assumed (a
     *                 few calm answers must not make the detector hair-triggered)
     * @param floor    the shortest threshold ever given
     * @param ceiling  the longest
     */
    AnswerWindow(Duration interval, Duration floor, Duration ceiling) {
        this.floorNanos = floor.toNanos();
        this.ceilingNanos = Math.max(ceiling.toNanos(), floorNanos);
        this.minDeviationNanos = interval.toNanos() / 4;
    }

    /** Records the gap between two answers. */
    void add(Duration gap) {
        gaps[next] = Math.max(0, gap.toNanos());
        next = (next + 1) % SIZE;
        if (count < SIZE) count++;
    }

    /** The silence past which the instance is suspected, between the floor and the ceiling. */
    Duration threshold() {
        if (count < MIN_SAMPLES) return Duration.ofNanos(floorNanos);
        double mean = 0;
        for (int k = 0; k < count; k++) mean += gaps[k];
        mean /= count;
        double variance = 0;
        for (int k = 0; k < count; k++) variance += (gaps[k] - mean) * (gaps[k] - mean);
        variance /= count;
        double deviation = Math.max(Math.sqrt(variance), minDeviationNanos);
        long learnt = (long) (mean + DEVIATIONS * deviation);
        return Duration.ofNanos(Math.min(ceilingNanos, Math.max(floorNanos, learnt)));
    }

    /** Answers recorded, up to the window's size. */
    int size() {
        return count;
    }
}
