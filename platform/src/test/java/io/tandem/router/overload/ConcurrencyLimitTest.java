package io.tandem.router.overload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The learnt limit against simulated functions offered more calls than they serve: a discrete-event simulation of
 * an instance with {@code cores} processors shared equally among the calls computing (as a scheduler does), where
 * each call first waits {@code waitMillis} without using a processor (I/O, a downstream) and then computes for
 * {@code workMillis}, each time varied at random by up to ±30 %. Arrivals are Poisson; calls past the limit wait
 * in the router's queue, as {@link Admission} keeps them.
 */
class ConcurrencyLimitTest {
    private static final double MS = 1e6;

    /** What a run showed over its last {@code judged} seconds. */
    record Run(double servedPerSecond, double meanLatencyMillis, int lowestLimit, int highestLimit, int finalLimit) {
    }

    private static final class Call {
        final long admitted;
        final int concurrency;
        double waitLeft;
        double workLeft;

        Call(long admitted, int concurrency, double waitNanos, double workNanos) {
            this.admitted = admitted;
            this.concurrency = concurrency;
            this.waitLeft = waitNanos;
            this.workLeft = workNanos;
        }
    }

    static Run simulate(int cores, double waitMillis, double workMillis, double arrivalsPerSecond, int max,
                        double seconds, double judged, long seed) {
        Random random = new Random(seed);
        ConcurrencyLimit limit = new ConcurrencyLimit(max, 0);
        List<Call> inFlight = new ArrayList<>();
        long queued = 0;
        double now = 0;
        double nextArrival = exp(random, arrivalsPerSecond);
        double end = seconds * 1e9;
        double judgedFrom = end - judged * 1e9;
        long served = 0;
        double latencySum = 0;
        int low = Integer.MAX_VALUE;
        int high = 0;
        while (now < end) {
            int computing = 0;
            for (Call c : inFlight) if (c.waitLeft <= 0) computing++;
            double rate = computing == 0 ? 0 : Math.min(1.0, cores / (double) computing);
            double next = nextArrival;
            for (Call c : inFlight) {
                double due = c.waitLeft > 0 ? now + c.waitLeft : now + c.workLeft / rate;
                next = Math.min(next, due);
            }
            double dt = next - now;
            now = next;
            List<Call> finished = new ArrayList<>();
            for (Call c : inFlight) {
                if (c.waitLeft > 0) {
                    c.waitLeft -= dt;
                    if (c.waitLeft <= 1e-3) c.waitLeft = 0;
                } else {
                    c.workLeft -= dt * rate;
                }
                if (c.waitLeft <= 0 && c.workLeft <= 1e-3) finished.add(c);
            }
            for (Call c : finished) {
                inFlight.remove(c);
                long latency = (long) (now - c.admitted);
                limit.sample(c.concurrency, c.admitted, latency, (long) now);
                if (now >= judgedFrom) {
                    served++;
                    latencySum += latency;
                }
            }
            if (now >= nextArrival) {
                nextArrival = now + exp(random, arrivalsPerSecond);
                queued++;
                if (inFlight.size() >= limit.allowed()) limit.reached();
            }
            while (queued > 0 && inFlight.size() < limit.allowed()) {
                queued--;
                double vary = 0.7 + 0.6 * random.nextDouble();
                inFlight.add(new Call((long) now, inFlight.size() + 1, waitMillis * MS * vary, workMillis * MS * vary));
            }
            if (now >= judgedFrom) {
                low = Math.min(low, limit.limit());
                high = Math.max(high, limit.limit());
            }
        }
        return new Run(served / judged, served == 0 ? 0 : latencySum / served / MS, low, high, limit.limit());
    }

    private static double exp(Random random, double perSecond) {
        return -Math.log(1 - random.nextDouble()) / perSecond * 1e9;
    }

    @Test
    void aCpuBoundFunctionOnTwoCoresKeepsItsThroughputAndItsLatencyNearTheLowest() {
        // 5 ms of work on 2 cores: 400 calls/s at best, offered 800.
        for (long seed = 1; seed <= 3; seed++) {
            Run r = simulate(2, 0, 5, 800, 512, 40, 20, seed);
            assertThat(r.servedPerSecond()).as("served, seed %d: %s", seed, r).isGreaterThan(0.9 * 400);
            assertThat(r.meanLatencyMillis()).as("mean latency inside the instance, seed %d: %s", seed, r).isLessThan(25);
            assertThat(r.highestLimit()).as("seed %d: %s", seed, r).isLessThanOrEqualTo(12);
        }
    }

    @Test
    void aSlowForkingFunctionAt1Point4TimesItsCapacityIsBroughtToAFewCallsWithinSeconds() {
        // 50 ms of work on 2 cores (a script that forks): 40 calls/s at best, offered 56; judged from 10 s on.
        for (long seed = 1; seed <= 3; seed++) {
            Run r = simulate(2, 0, 50, 56, 512, 30, 20, seed);
            assertThat(r.servedPerSecond()).as("served, seed %d: %s", seed, r).isGreaterThan(0.9 * 40);
            assertThat(r.meanLatencyMillis()).as("mean latency inside the instance, seed %d: %s", seed, r).isLessThan(250);
            assertThat(r.highestLimit()).as("seed %d: %s", seed, r).isLessThanOrEqualTo(12);
        }
    }

    @Test
    void aFunctionThatOnlyWaitsIsNeverCutHoweverSlowAndGrowsAsFarAsTheLoadNeeds() {
        // 200 ms of waiting and no work: 2000 calls/s need 400 in flight.
        for (long seed = 1; seed <= 3; seed++) {
            Run r = simulate(2, 200, 0, 2000, 512, 60, 20, seed);
            assertThat(r.lowestLimit()).as("seed %d: %s", seed, r).isGreaterThanOrEqualTo(ConcurrencyLimit.INITIAL);
            assertThat(r.servedPerSecond()).as("served, seed %d: %s", seed, r).isGreaterThan(0.9 * 2000);
        }
    }

    @Test
    void aFunctionThatWaitsThenComputesKeepsEnoughCallsInFlightToCoverTheWait() {
        // 50 ms waiting on a downstream, then 2 ms of work on 2 cores: 1000 calls/s at best, with 50 in flight to
        // cover the wait; offered 1500.
        for (long seed = 1; seed <= 3; seed++) {
            Run r = simulate(2, 50, 2, 1500, 512, 60, 20, seed);
            assertThat(r.servedPerSecond()).as("served, seed %d: %s", seed, r).isGreaterThan(0.85 * 1000);
            assertThat(r.meanLatencyMillis()).as("mean latency, seed %d: %s", seed, r).isLessThan(200);
        }
    }

    @Test
    void aFunctionWithSixteenWorkersSettlesNearSixteen() {
        // 16 processors' worth (a pool of 16 threads), 20 ms each: 800 calls/s at best, offered 1600.
        for (long seed = 1; seed <= 3; seed++) {
            Run r = simulate(16, 0, 20, 1600, 512, 60, 20, seed);
            assertThat(r.servedPerSecond()).as("served, seed %d: %s", seed, r).isGreaterThan(0.9 * 800);
            assertThat(r.highestLimit()).as("seed %d: %s", seed, r).isLessThanOrEqualTo(64);
        }
    }

    @Test
    void aLimitThatNeverBindsIsNeverChanged() {
        Run r = simulate(2, 0, 5, 100, 512, 20, 10, 1); // a quarter of its capacity
        assertThat(r.lowestLimit()).isEqualTo(ConcurrencyLimit.INITIAL);
        assertThat(r.highestLimit()).isEqualTo(ConcurrencyLimit.INITIAL);
    }

    @Test
    void aProbeWindowAdmitsSeventyPercentAndTheNextWindowTheLimitAgain() {
        ConcurrencyLimit limit = new ConcurrencyLimit(512, 0);
        limit.reached();
        long now = 0;
        while (limit.allowed() == ConcurrencyLimit.INITIAL) {
            now += (long) MS;
            limit.sample(ConcurrencyLimit.INITIAL, now - (long) (0.5 * MS), (long) (0.5 * MS), now);
        }
        assertThat(limit.allowed()).isEqualTo(11); // 70 % of 16, rounded
        assertThat(now).as("a window lasts at least 100 ms").isGreaterThanOrEqualTo((long) (100 * MS));
    }

    @Test
    void theMaximumBelowTheInitialLimitIsWhereItStarts() {
        assertThat(new ConcurrencyLimit(8, 0).limit()).isEqualTo(8);
    }
}
