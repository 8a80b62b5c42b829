package io.tandem.model;

import java.time.Duration;

/**
 * A function as declared. {@code concurrency} is the most requests one instance serves at once (0: no limit).
 * Defaults: poolmgr, scale 1..1, timeout 60 s, idle timeout 120 s, idempotent, the retry strategy.
 */
public record FunctionSpec(
        String environment,
        CodeRef code,
        String entrypoint,
        ExecutorType executor,
        Integer minScale,
        Integer maxScale,
        Duration timeout,
        Duration idleTimeout,
        Integer concurrency,
        Boolean idempotent,
        FaultTolerance faultTolerance) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);

    public FunctionSpec {
        executor = executor == null ? ExecutorType.POOLMGR : executor;
        minScale = minScale == null ? 1 : minScale;
        maxScale = maxScale == null ? Math.max(1, minScale) : maxScale;
        concurrency = concurrency == null ? 0 : concurrency;
        idempotent = idempotent == null ? Boolean.TRUE : idempotent;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        idleTimeout = idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout;
        faultTolerance = faultTolerance == null ? FaultTolerance.defaults() : faultTolerance;
    }

    /** Checks the rules that need no other resource; the controller checks the environment exists. */
    public void validate() {
        Names.require("spec.environment", environment);
        if (code == null) throw new InvalidResourceException("spec.code", "missing: give a jar, a zip or a single file");
        if (minScale < 0) throw new InvalidResourceException("spec.minScale", "must be at least 0, was " + minScale);
        if (maxScale < 1 || maxScale < minScale) throw new InvalidResourceException("spec.maxScale", "must be at least 1 and at least minScale, was " + maxScale);
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofHours(1)) > 0) throw new InvalidResourceException("spec.timeout", "must be between 1ms and 1h");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) throw new InvalidResourceException("spec.idleTimeout", "must be positive");
        if (concurrency < 0) throw new InvalidResourceException("spec.concurrency", "must be at least 0 (0: no limit)");
        faultTolerance.validate();
        if (faultTolerance.strategy() == Strategy.REPLICATE && !idempotent) {
            throw new InvalidResourceException("spec.faultTolerance.strategy", "replicate runs every request on "
                    + faultTolerance.replicas() + " instances, so it needs an idempotent function: set idempotent: true, or use active-standby");
        }
    }
}
