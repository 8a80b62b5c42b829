package io.tandem.model;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A function as declared. {@code concurrency} is the most requests one instance serves at once, and
 * {@code maxConcurrency} the most the whole function serves at once (0: no limit); past them the router answers 429.
 * {@code memory} is the heap of a {@code java} instance ({@code 512Mi}, {@code 1Gi}); unset, the JVM picks.
 * Defaults: poolmgr, scale 1..1, timeout 60 s (at most 15 min, as Lambda), idle timeout 120 s, idempotent, the
 * retry strategy.
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
        FaultTolerance faultTolerance,
        String memory,
        Integer maxConcurrency) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(15);
    private static final Pattern MEMORY = Pattern.compile("^(\\d{1,6})(Mi|Gi)$");
    public static final int MIN_MEMORY_MB = 64;
    public static final int MAX_MEMORY_MB = 64 * 1024;

    /** A spec without {@code memory} and {@code maxConcurrency}. */
    public FunctionSpec(String environment, CodeRef code, String entrypoint, ExecutorType executor, Integer minScale, Integer maxScale,
                        Duration timeout, Duration idleTimeout, Integer concurrency, Boolean idempotent, FaultTolerance faultTolerance) {
        this(environment, code, entrypoint, executor, minScale, maxScale, timeout, idleTimeout, concurrency, idempotent, faultTolerance, null, null);
    }

    /** {@code memory} in mebibytes, or 0 when unset. */
    public int memoryMegabytes() {
        if (memory == null) return 0;
        Matcher m = MEMORY.matcher(memory);
        if (!m.matches()) return 0;
        return Integer.parseInt(m.group(1)) * (m.group(2).equals("Gi") ? 1024 : 1);
    }
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);

    public FunctionSpec {
        executor = executor == null ? ExecutorType.POOLMGR : executor;
        minScale = minScale == null ? 1 : minScale;
        maxScale = maxScale == null ? Math.max(1, minScale) : maxScale;
        concurrency = concurrency == null ? 0 : concurrency;
        maxConcurrency = maxConcurrency == null ? 0 : maxConcurrency;
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
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new InvalidResourceException("spec.timeout", "must be between 1ms and 15m, was " + Durations.format(timeout)
                    + "; longer work belongs in an async call or a queue");
        }
        if (memory != null) {
            if (!MEMORY.matcher(memory).matches()) {
                throw new InvalidResourceException("spec.memory", "invalid '" + memory + "': write it as 512Mi or 2Gi");
            }
            int mb = memoryMegabytes();
            if (mb < MIN_MEMORY_MB || mb > MAX_MEMORY_MB) {
                throw new InvalidResourceException("spec.memory", "must be between 64Mi and 64Gi, was " + memory);
            }
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) throw new InvalidResourceException("spec.idleTimeout", "must be positive");
        if (concurrency < 0) throw new InvalidResourceException("spec.concurrency", "must be at least 0 (0: no limit)");
        if (maxConcurrency < 0) throw new InvalidResourceException("spec.maxConcurrency", "must be at least 0 (0: no limit)");
        faultTolerance.validate();
        if (faultTolerance.strategy() == Strategy.REPLICATE && !idempotent) {
            throw new InvalidResourceException("spec.faultTolerance.strategy", "replicate runs every request on "
                    + faultTolerance.replicas() + " instances, so it needs an idempotent function: set idempotent: true, or use active-standby");
        }
    }
}
