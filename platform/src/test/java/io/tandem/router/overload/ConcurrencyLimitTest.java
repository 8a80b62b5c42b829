package io.tandem.router.overload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The learnt limit against simulated functions under a load past what they serve (every arrival finds the limit
 * reached): calls complete one after another at the pace Little's law gives for the concurrency allowed, each with
 * the latency the function's model gives for that concurrency, times a random factor of up to ±30 %.
 */
class ConcurrencyLimitTest {
    private static final long MS = 1_000_000L;

    /** Runs {@code seconds} of simulated time; returns the limit at the end and the lowest and highest seen after {@code settleSeconds}. */
    private static int[] saturate(IntToDoubleFunction latencyMillis, int max, double seconds, double settleSeconds, long seed) {
        Random random = new Random(seed);
        ConcurrencyLimit limit = new ConcurrencyLimit(max, 0);
        long now = 0;
        int low = Integer.MAX_VALUE;
        int high = 0;
        while (now < seconds * 1000 * MS) {
            limit.reached();
            int c = limit.allowed();
            double latency = latencyMillis.applyAsDouble(c) * MS * (0.7 + 0.6 * random.nextDouble());
            now += (long) (latency / c);
            limit.sample(c, (long) latency, now);
            if (now > settleSeconds * 1000 * MS) {
                low = Math.min(low, limit.limit());
                high = Math.max(high, limit.limit());
            }
        }
        return new int[] {limit.limit(), low, high};
    }

    @Test
    void aCpuBoundFunctionOnTwoCoresSettlesAtAFewCallsNotTheHundredItStartsWith() {
        for (long seed = 1; seed <= 5; seed++) {
            int[] r = saturate(c -> 5.0 * Math.max(1, c / 2.0), 512, 30, 10, seed);
            assertThat(r[1]).as("lowest after settling, seed " + seed).isGreaterThanOrEqualTo(ConcurrencyLimit.MIN);
            assertThat(r[2]).as("highest after settling, seed " + seed).isLessThanOrEqualTo(12);
        }
    }

    @Test
    void aFunctionThatWaitsOnIoIsNeverCutHoweverSlowAndGrowsToTheRoutersMaximum() {
        for (long seed = 1; seed <= 5; seed++) {
            int[] r = saturate(c -> 200.0, 512, 120, 0, seed);
            assertThat(r[1]).as("lowest, seed " + seed).isGreaterThanOrEqualTo(ConcurrencyLimit.INITIAL);
            assertThat(r[0]).as("at the end, seed " + seed).isEqualTo(512);
        }
    }

    @Test
    void aFunctionWithSixteenThreadsBehindItSettlesNearSixteen() {
        for (long seed = 1; seed <= 5; seed++) {
            int[] r = saturate(c -> 20.0 * Math.max(1, c / 16.0), 512, 60, 20, seed);
            assertThat(r[1]).as("lowest after settling, seed " + seed).isGreaterThanOrEqualTo(8);
            assertThat(r[2]).as("highest after settling, seed " + seed).isLessThanOrEqualTo(48);
        }
    }

    @Test
    void aLimitThatNeverBindsIsNeverChanged() {
        ConcurrencyLimit limit = new ConcurrencyLimit(512, 0);
        long now = 0;
        for (int i = 0; i < 10_000; i++) {
            now += 10 * MS;
            limit.sample(1 + i % 3, (long) (5 * MS * (1 + i % 3)), now); // latency proportional, but nobody waits
        }
        assertThat(limit.limit()).isEqualTo(ConcurrencyLimit.INITIAL);
        assertThat(limit.allowed()).isEqualTo(ConcurrencyLimit.INITIAL);
    }

    @Test
    void aProbeWindowAdmitsSeventyPercentAndTheNextWindowTheLimitAgain() {
        ConcurrencyLimit limit = new ConcurrencyLimit(512, 0);
        limit.reached();
        long now = 0;
        while (limit.allowed() == 100) {
            now += MS;
            limit.sample(100, 10 * MS, now);
        }
        assertThat(limit.allowed()).isEqualTo(70);
        assertThat(now).as("a window lasts at least 100 ms").isGreaterThanOrEqualTo(100 * MS);
    }

    @Test
    void theMaximumBelowTheInitialLimitIsWhereItStarts() {
        assertThat(new ConcurrencyLimit(8, 0).limit()).isEqualTo(8);
    }
}
