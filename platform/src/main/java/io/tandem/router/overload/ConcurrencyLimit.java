package io.tandem.router.overload;

/**
 * How many calls of one function the router lets run at once, learnt from how the function's latency answers to
 * concurrency. Past what its instances can serve in parallel (its cores, its threads, a downstream's connections),
 * more calls in flight add only waiting: latency then grows in proportion to concurrency. Below that point latency
 * barely moves. The limit is kept where the first turns into the second, so excess calls wait in the router's
 * queue (or are shed), not inside the instance, where they would starve its health endpoint and the machine.
 *
 * <p>How. Only a limit that binds needs judging: while arrivals find the limit reached (a "binding" window), the
 * next window admits a lower concurrency ({@link #PROBE} of the limit) and the two windows' calls are compared: the
 * slope of ln(latency) against ln(concurrency at the call's start), by least squares. Slope near 1 means latency is
 * proportional to concurrency (saturated): the limit is cut. Slope near 0 means the extra calls ran in parallel:
 * the limit grows. In between it holds. Because both windows are measured moments apart, the judgement does not
 * depend on a baseline latency remembered from earlier, which drifts when the function's own work changes (a
 * slower downstream, a bigger input); and a function whose latency does not depend on concurrency (sleeping, waiting
 * on I/O) is never cut, however slow it is.
 *
 * <p>A window lasts at least {@link #MIN_WINDOW_NANOS} and three typical latencies, and holds at least
 * {@link #MIN_SAMPLES} calls that started and ended within it (or 4 after the longer of
 * {@link #MAX_IDLE_WINDOW_NANOS} and six typical latencies; a window that gets none of them ends four times that
 * late, judged on nothing).
 *
 * <p>Not thread-safe: its {@link Admission} calls it under its own lock. Times are {@link System#nanoTime()}
 * values passed in, so tests drive it with a clock of their own.
 */
public final class ConcurrencyLimit {
    /**
     * Where every function starts: enough for most (a function answering in 50 ms serves 320 calls a second at 16),
     * small enough not to drown one instance at once; a function that needs more gets it within seconds.
     */
    public static final int INITIAL = 16;
    /** Lowest limit: 2, so the probe window (which admits 1) can still tell whether 2 run in parallel. */
    public static final int MIN = 2;
    /** The fraction of the limit a probe window admits. */
    static final double PROBE = 0.7;
    static final long MIN_WINDOW_NANOS = 100_000_000L;
    static final int MIN_SAMPLES = 24;
    static final long MAX_IDLE_WINDOW_NANOS = 2_000_000_000L;
    /** Slopes at which the limit grows fast, grows, or is cut. */
    static final double FLAT = 0.3;
    static final double GENTLE = 0.6;
    static final double SATURATED = 0.9;

    private final int max;
    private double limit;
    /** The current window admits the probe's lower concurrency. */
    private boolean probing;
    /** An arrival found the limit reached during the current (non-probe) window. */
    private boolean binding;
    private long windowStart;
    private int windowSamples;
    // Least-squares sums over the window pair: x = ln concurrency, y = ln latency.
    private int n;
    private double sx;
    private double sy;
    private double sxx;
    private double sxy;
    /** Typical latency (exponentially weighted), for window lengths and the queue's budget. */
    private double latencyNanos;

    /** A limit that starts at {@link #INITIAL} (or {@code max}, if lower) and never passes {@code max}. */
    public ConcurrencyLimit(int max, long now) {
        if (max < MIN) throw new IllegalArgumentException("max must be at least " + MIN + ", was " + max);
        this.max = max;
        this.limit = Math.min(INITIAL, max);
        this.windowStart = now;
    }

    /** The learnt limit. */
    public int limit() {
        return (int) limit;
    }

    /** How many calls may be in flight now: the limit, or less while a probe window runs. */
    public int allowed() {
        return probing ? probeLevel() : (int) limit;
    }

    /** The typical latency of a call, 0 before any was seen. */
    public long latencyNanos() {
        return (long) latencyNanos;
    }

    /** An arrival found {@link #allowed()} calls in flight: the limit binds. */
    public void reached() {
        if (!probing) binding = true;
    }

    /**
     * One call, admitted at {@code started} with {@code concurrency} calls in flight (itself included), answered
     * after {@code latency} nanoseconds. Only a call that started and ended within the current window is compared:
     * one that lived through a change of the allowed concurrency tells nothing about either.
     */
    public void sample(int concurrency, long started, long latency, long now) {
        double lat = Math.max(1_000, latency);
        latencyNanos = latencyNanos == 0 ? lat : latencyNanos + 0.1 * (lat - latencyNanos);
        if (started - windowStart >= 0) {
            double x = Math.log(Math.max(1, concurrency));
            double y = Math.log(lat);
            n++;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
            windowSamples++;
        }
        long elapsed = now - windowStart;
        boolean full = elapsed >= Math.max(MIN_WINDOW_NANOS, 3 * (long) latencyNanos) && windowSamples >= MIN_SAMPLES;
        long longWindow = Math.max(MAX_IDLE_WINDOW_NANOS, 6 * (long) latencyNanos);
        boolean enough = elapsed >= longWindow && windowSamples >= 4;
        boolean stale = elapsed >= longWindow * 4;
        if (full || enough || stale) closeWindow(now);
    }

    private void closeWindow(long now) {
        windowStart = now;
        windowSamples = 0;
        if (!probing) {
            if (binding) {
                probing = true; // keep this window's sums: the probe window is compared with it
            } else {
                clearSums();
            }
            binding = false;
            return;
        }
        probing = false;
        double slope = slope();
        clearSums();
        if (Double.isNaN(slope)) return;
        if (slope < FLAT) {
            limit = Math.min(max, limit * 1.5);
        } else if (slope < GENTLE) {
            limit = Math.min(max, Math.max(limit + 1, limit * 1.2));
        } else if (slope >= SATURATED) {
            // The probe's lower level served as many calls: go there, or further when latency grew even faster.
            limit = Math.max(MIN, limit * (slope >= 1.5 ? 0.5 : PROBE));
        }
    }

    /** The least-squares slope of the pair's samples, NaN when their concurrency hardly varied. */
    private double slope() {
        if (n < 4) return Double.NaN;
        double varX = sxx / n - (sx / n) * (sx / n);
        if (varX < 0.005) return Double.NaN; // a spread under about 7 % in concurrency says nothing
        double cov = sxy / n - (sx / n) * (sy / n);
        return cov / varX;
    }

    private int probeLevel() {
        int l = (int) limit;
        return Math.max(1, Math.min(l - 1, (int) Math.round(l * PROBE)));
    }

    private void clearSums() {
        n = 0;
        sx = sy = sxx = sxy = 0;
    }
}
