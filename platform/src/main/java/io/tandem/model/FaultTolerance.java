package io.tandem.model;

import java.time.Duration;

/**
 * A function's fault-tolerance settings (docs/availability.md). Defaults: Fission's retry (10 attempts, 50 ms first
 * back-off doubling each time, 5 timeouts before the cached address is dropped), 100 ms heartbeats with 3 misses,
 * and 2 replicas.
 */
public record FaultTolerance(
        Strategy strategy,
        Integer maxRetries,
        Duration retryBackoff,
        Integer svcAddressMaxRetries,
        Duration heartbeatInterval,
        Integer heartbeatMisses,
        Integer replicas) {

    public FaultTolerance {
        strategy = strategy == null ? Strategy.RETRY : strategy;
        maxRetries = maxRetries == null ? 10 : maxRetries;
        retryBackoff = retryBackoff == null ? Duration.ofMillis(50) : retryBackoff;
        svcAddressMaxRetries = svcAddressMaxRetries == null ? 5 : svcAddressMaxRetries;
        heartbeatInterval = heartbeatInterval == null ? Duration.ofMillis(100) : heartbeatInterval;
        heartbeatMisses = heartbeatMisses == null ? 3 : heartbeatMisses;
        replicas = replicas == null ? 2 : replicas;
    }

    public static FaultTolerance defaults() {
        return new FaultTolerance(null, null, null, null, null, null, null);
    }

    public FaultTolerance withStrategy(Strategy s) {
        return new FaultTolerance(s, maxRetries, retryBackoff, svcAddressMaxRetries, heartbeatInterval, heartbeatMisses, replicas);
    }

    public void validate() {
        if (strategy == null) throw new InvalidResourceException("spec.faultTolerance.strategy", "missing");
        if (maxRetries < 1 || maxRetries > 100) throw new InvalidResourceException("spec.faultTolerance.maxRetries", "must be 1 to 100, was " + maxRetries);
        if (retryBackoff == null || retryBackoff.isNegative()) throw new InvalidResourceException("spec.faultTolerance.retryBackoff", "must be a positive duration");
        if (svcAddressMaxRetries < 1) throw new InvalidResourceException("spec.faultTolerance.svcAddressMaxRetries", "must be at least 1");
        if (heartbeatInterval == null || heartbeatInterval.toMillis() < 10) throw new InvalidResourceException("spec.faultTolerance.heartbeatInterval", "must be at least 10ms");
        if (heartbeatMisses < 1) throw new InvalidResourceException("spec.faultTolerance.heartbeatMisses", "must be at least 1");
        if (replicas < 2 || replicas > 16) throw new InvalidResourceException("spec.faultTolerance.replicas", "must be 2 to 16, was " + replicas);
    }
}
