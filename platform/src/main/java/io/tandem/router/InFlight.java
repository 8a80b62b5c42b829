package io.tandem.router;

import io.tandem.model.FunctionSpec;
import io.tandem.model.Strategy;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls in flight per function, for the limits {@code spec.concurrency} (per instance) and
 * {@code spec.maxConcurrency} (per function). A call past the limit is refused at once with 429, never queued.
 * A function without limits is not counted at all, so it pays nothing here.
 *
 * <p>The per-instance limit becomes a function-wide capacity: one instance's worth under active-standby (only the
 * active serves) and replicate (every replica serves every call), one per warm instance under retry and none, whose
 * calls the router spreads round-robin, so there each instance holds the limit on average rather than exactly.
 *
 * <p>Thread-safe: every event loop of the router enters and leaves here.
 */
final class InFlight {
    private final ConcurrentHashMap<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    /** The most calls {@code spec}'s function may have in flight with {@code instances} warm, 0 for no limit. */
    static int capacity(FunctionSpec spec, int instances) {
        int perInstance = spec.concurrency();
        int byInstances = 0;
        if (perInstance > 0) {
            Strategy s = spec.faultTolerance().strategy();
            int serving = s == Strategy.ACTIVE_STANDBY || s == Strategy.REPLICATE ? 1 : Math.max(1, instances);
            byInstances = (int) Math.min(Integer.MAX_VALUE, (long) perInstance * serving);
        }
        int whole = spec.maxConcurrency();
        if (byInstances == 0) return whole;
        return whole == 0 ? byInstances : Math.min(whole, byInstances);
    }

    /** Counts a call in, unless {@code capacity} are in flight already. */
    boolean tryEnter(String function, int capacity) {
        AtomicInteger n = calls.computeIfAbsent(function, f -> new AtomicInteger());
        for (int now = n.get(); now < capacity; now = n.get()) {
            if (n.compareAndSet(now, now + 1)) return true;
        }
        return false;
    }

    void leave(String function) {
        AtomicInteger n = calls.get(function);
        if (n != null) n.decrementAndGet();
    }

    /** Calls in flight now, for tests. */
    int of(String function) {
        AtomicInteger n = calls.get(function);
        return n == null ? 0 : n.get();
    }
}
