package io.tandem.executor.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Decides which specialized poolmgr instances to stop: those unused for longer than their function's idle
 * timeout. "Used" is the last time the executor handed the instance out or the router reported traffic for it.
 * Pure; thread-safe.
 */
public final class IdleReaper {
    public record Candidate(String instanceId, Instant lastUsed, Duration idleTimeout) {
    }

    private IdleReaper() {
    }

    public static List<String> idle(Collection<Candidate> specialized, Instant now) {
        return specialized.stream()
                .filter(c -> Duration.between(c.lastUsed(), now).compareTo(c.idleTimeout()) >= 0)
                .map(Candidate::instanceId).toList();
    }
}
