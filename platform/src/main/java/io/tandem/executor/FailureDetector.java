package io.tandem.executor;

import java.time.Duration;
import java.time.Instant;

/**
 * Says whether a node is dead: it missed {@code misses} heartbeats in a row. (A dropped event stream is the other
 * signal; the executor acts on it directly.) Deciding only; the executor drops and replaces what ran there.
 *
 * <p>Silence is measured net of the checker's own pauses: when the executor itself was not scheduled (a GC pause, a
 * starved CPU), heartbeats that arrived meanwhile wait unread in its queue, and counting that time against the
 * node would declare healthy nodes dead exactly when the machine is busiest.
 */
public record FailureDetector(Duration interval, int misses) {
    /**
     * @param lastHeartbeat when the node's last heartbeat was read
     * @param now           this check
     * @param previousCheck the check before this one (checks are meant to run every {@code interval})
     */
    public boolean missedHeartbeats(Instant lastHeartbeat, Instant now, Instant previousCheck) {
        // This check was due one interval after the later of the previous check and the last heartbeat read; any
        // lateness beyond that is the checker's own pause, during which no heartbeat could have been read.
        Instant from = lastHeartbeat.isAfter(previousCheck) ? lastHeartbeat : previousCheck;
        Duration ownPause = Duration.between(from, now).minus(interval);
        Duration silence = Duration.between(lastHeartbeat, now);
        if (ownPause.isPositive()) silence = silence.minus(ownPause);
        return silence.compareTo(interval.multipliedBy(misses)) > 0;
    }
}
