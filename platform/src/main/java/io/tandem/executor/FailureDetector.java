package io.tandem.executor;

import java.time.Duration;
import java.time.Instant;

/**
 * Says whether a node is dead: its event stream dropped, or it missed {@code misses} heartbeats in a row. Deciding
 * only; the executor drops and replaces what ran there.
 */
public record FailureDetector(Duration interval, int misses) {
    public boolean missedHeartbeats(Instant lastHeartbeat, Instant now) {
        return Duration.between(lastHeartbeat, now).compareTo(interval.multipliedBy(misses)) > 0;
    }
}
