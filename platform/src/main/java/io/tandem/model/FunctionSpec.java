package io.tandem.model;

import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A function as declared. {@code concurrency} is the most requests one instance serves at once, and
 * {@code maxConcurrency} the most the whole function serves at once (0: no limit); past them the router answers 429.
 * {@code memory} ({@code 512Mi}, {@code 1Gi}) caps what one instance may use: a {@code java} instance's heap, and
 * for every runtime the memory of the instance's process group where the node has control groups. {@code cpu}
 * ({@code 250m}, {@code 1}, {@code 1.5} cores) caps one instance's CPU time the same way. {@code env} holds the
 * function's own variables, the only ones its code sees besides {@code PORT}, {@code HOME}, {@code PATH} and the
 * locale (null when there are none).
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
        Integer maxConcurrency,
        String cpu,
        Map<String, String> env) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(15);
    private static final Pattern MEMORY = Pattern.compile("^(\\d{1,6})(Mi|Gi)$");
    public static final int MIN_MEMORY_MB = 64;
    public static final int MAX_MEMORY_MB = 64 * 1024;
    private static final Pattern CPU = Pattern.compile("^(?:(\\d{1,5})m|(\\d{1,2})(?:\\.(\\d{1,3}))?)$");
    public static final int MIN_CPU_MILLIS = 10;
    public static final int MAX_CPU_MILLIS = 64_000;
    private static final Pattern VARIABLE = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,127}$");
    public static final int MAX_VARIABLES = 256;
    public static final int MAX_VARIABLES_BYTES = 64 * 1024;

    /** A spec without {@code memory} and {@code maxConcurrency}. */
    public FunctionSpec(String environment, CodeRef code, String entrypoint, ExecutorType executor, Integer minScale, Integer maxScale,
                        Duration timeout, Duration idleTimeout, Integer concurrency, Boolean idempotent, FaultTolerance faultTolerance) {
        this(environment, code, entrypoint, executor, minScale, maxScale, timeout, idleTimeout, concurrency, idempotent, faultTolerance, null, null, null, null);
    }

    /** This spec with other limits and variables. */
    public FunctionSpec withResources(String memory, String cpu, Map<String, String> env) {
        return new FunctionSpec(environment, code, entrypoint, executor, minScale, maxScale, timeout, idleTimeout, concurrency,
                idempotent, faultTolerance, memory, maxConcurrency, cpu, env);
    }

    /** This spec with another package. */
    public FunctionSpec withCode(CodeRef code) {
        return new FunctionSpec(environment, code, entrypoint, executor, minScale, maxScale, timeout, idleTimeout, concurrency,
                idempotent, faultTolerance, memory, maxConcurrency, cpu, env);
    }

    /** This spec with another fault-tolerance strategy. */
    public FunctionSpec withFaultTolerance(FaultTolerance faultTolerance) {
        return new FunctionSpec(environment, code, entrypoint, executor, minScale, maxScale, timeout, idleTimeout, concurrency,
                idempotent, faultTolerance, memory, maxConcurrency, cpu, env);
    }

    /** {@code cpu} in thousandths of a core, or 0 when unset. */
    public int cpuMillis() {
        if (cpu == null) return 0;
        Matcher m = CPU.matcher(cpu);
        if (!m.matches()) return 0;
        if (m.group(1) != null) return Integer.parseInt(m.group(1));
        String fraction = m.group(3) == null ? "" : m.group(3);
        return Integer.parseInt(m.group(2)) * 1000 + (fraction.isEmpty() ? 0 : Integer.parseInt((fraction + "00").substring(0, 3)));
    }

    /** The function's own variables, in name order; empty when it declares none. */
    public Map<String, String> variables() {
        return env == null ? Map.of() : env;
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
        env = env == null || env.isEmpty() ? null : Collections.unmodifiableMap(new TreeMap<>(env));
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
        if (cpu != null) {
            int millis = cpuMillis();
            if (!CPU.matcher(cpu).matches()) {
                throw new InvalidResourceException("spec.cpu", "invalid '" + cpu + "': write cores as 250m, 1 or 1.5");
            }
            if (millis < MIN_CPU_MILLIS || millis > MAX_CPU_MILLIS) {
                throw new InvalidResourceException("spec.cpu", "must be between 10m and 64 cores, was " + cpu);
            }
        }
        validateVariables();
        if (idleTimeout.isNegative() || idleTimeout.isZero()) throw new InvalidResourceException("spec.idleTimeout", "must be positive");
        if (concurrency < 0) throw new InvalidResourceException("spec.concurrency", "must be at least 0 (0: no limit)");
        if (maxConcurrency < 0) throw new InvalidResourceException("spec.maxConcurrency", "must be at least 0 (0: no limit)");
        faultTolerance.validate();
        if (faultTolerance.strategy() == Strategy.REPLICATE && !idempotent) {
            throw new InvalidResourceException("spec.faultTolerance.strategy", "replicate runs every request on "
                    + faultTolerance.replicas() + " instances, so it needs an idempotent function: set idempotent: true, or use active-standby");
        }
    }

    /** Names a shell and every runtime accept, none of the platform's own, values without NUL, all of it bounded. */
    private void validateVariables() {
        if (env == null) return;
        if (env.size() > MAX_VARIABLES) {
            throw new InvalidResourceException("spec.env", "has " + env.size() + " variables, at most " + MAX_VARIABLES + " are allowed");
        }
        long bytes = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            String field = "spec.env." + name;
            if (!VARIABLE.matcher(name).matches()) {
                throw new InvalidResourceException(field, "invalid name: use letters, digits and _, not starting with a digit, at most 128 characters");
            }
            String upper = name.toUpperCase(Locale.ROOT);
            if (upper.equals("PORT") || upper.equals("HOME") || upper.startsWith("TANDEM_") || upper.startsWith("HTTP_")) {
                throw new InvalidResourceException(field, "is set by Tandem (PORT, HOME, TANDEM_* and Http_* are reserved): pick another name");
            }
            if (e.getValue() == null) throw new InvalidResourceException(field, "has no value: give one, even an empty string");
            if (e.getValue().indexOf('\0') >= 0) throw new InvalidResourceException(field, "contains a NUL character, which no process environment can hold");
            bytes += name.length() + e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }
        if (bytes > MAX_VARIABLES_BYTES) {
            throw new InvalidResourceException("spec.env", "holds " + bytes + " bytes, at most 64 KiB (" + MAX_VARIABLES_BYTES + ")"
                    + " are allowed: keep large settings in a file of the function's code");
        }
    }
}
