package io.tandem.executor;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The first calls on their way to instances that cold starts just made, so that the warm pool of their node is
 * refilled only once each has its answer: a JVM starting beside an instance makes its first call several times
 * slower. Measured on this project's 2-core machine, busy: a specialization and first call of the hello example
 * took 3 to 8 ms each alone, 7 to 70 ms beside a starting JVM; through the router, a refill started as the first
 * call went out added about 7 ms to its median and most of its tail, which reached 280 ms. The router reports the
 * end of each call that waited for a cold start ({@link RouterRequests#coldCallEnded}); a call it never reports holds
 * its node's refill for {@link #MAX_HOLD} at most. On the executor's context only.
 */
final class FirstCalls {
    /** The longest a refill waits for a first call: a slow function's own time is not startup, and may overlap it. */
    static final Duration MAX_HOLD = Duration.ofSeconds(1);

    private record Hold(String node, Instant until) {
    }

    /** By instance id. */
    private final Map<String, Hold> holds = new HashMap<>();

    /** The router is about to send {@code i} its first call. */
    void expect(Instance i, Instant now) {
        forgetExpired(now); // calls never reported, on nodes whose pools never asked
        holds.put(i.id, new Hold(i.node, now.plus(MAX_HOLD)));
    }

    /** The first call to {@code instanceId} ended; whether one was expected. */
    boolean ended(String instanceId) {
        return holds.remove(instanceId) != null;
    }

    /** Whether a first call on {@code node} is still on its way and within {@link #MAX_HOLD}. */
    boolean pendingOn(String node, Instant now) {
        forgetExpired(now);
        for (Hold h : holds.values()) {
            if (h.node().equals(node)) return true;
        }
        return false;
    }

    private void forgetExpired(Instant now) {
        holds.values().removeIf(h -> !h.until().isAfter(now));
    }
}
