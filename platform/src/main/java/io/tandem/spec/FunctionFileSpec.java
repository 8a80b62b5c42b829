package io.tandem.spec;

import io.tandem.model.CodeRef;
import io.tandem.model.ExecutorType;
import io.tandem.model.FaultTolerance;
import io.tandem.model.FunctionSpec;
import java.time.Duration;
import java.util.Map;

/** A function as a spec file declares it: like {@link FunctionSpec}, but {@code code} is a path to upload. */
public record FunctionFileSpec(
        String environment,
        String code,
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

    public FunctionSpec withCode(CodeRef ref) {
        return new FunctionSpec(environment, ref, entrypoint, executor, minScale, maxScale, timeout, idleTimeout,
                concurrency, idempotent, faultTolerance, memory, maxConcurrency, cpu, env);
    }

    /** This spec with {@code code} resolved to a path. */
    FunctionFileSpec withCodePath(String path) {
        return new FunctionFileSpec(environment, path, entrypoint, executor, minScale, maxScale, timeout, idleTimeout,
                concurrency, idempotent, faultTolerance, memory, maxConcurrency, cpu, env);
    }
}
