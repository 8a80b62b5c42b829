package io.tandem.model;

import java.util.List;

/**
 * An environment: a runtime plus settings. {@code command} is a template in which {@code {code}} stands for the path
 * of the unpacked code, {@code {jar}} (or {@code {artifact}}) for the file as uploaded, {@code {java}} for the java
 * executable that runs Tandem, {@code {clients}} for the directory of Tandem's Lambda clients and, for the lambda
 * runtime, {@code {handler}} for the function's entrypoint; empty means the runtime's own.
 */
public record EnvironmentSpec(Runtime runtime, String command, Integer poolSize, List<String> jvmOptions) {
    /**
     * Warm instances per live node. One per node covers a first call and a standby on another node at once; more
     * JVMs idling at boot starve a small machine (three per node, on two cores, kept the first call waiting 5 s while
     * 18 of them started). Fission's default of 3 is per environment across its cluster: about the same on 3 nodes.
     */
    public static final int DEFAULT_POOL_SIZE = 1;

    public EnvironmentSpec {
        jvmOptions = jvmOptions == null ? List.of() : List.copyOf(jvmOptions);
        poolSize = poolSize == null ? DEFAULT_POOL_SIZE : poolSize;
        command = command == null || command.isBlank() ? null : command;
    }

    public void validate() {
        if (runtime == null) throw new InvalidResourceException("spec.runtime", "missing: use java, exec, http or lambda");
        if (poolSize < 0 || poolSize > 64) throw new InvalidResourceException("spec.poolSize", "must be 0 to 64, was " + poolSize);
        if (runtime != Runtime.JAVA && !jvmOptions.isEmpty()) throw new InvalidResourceException("spec.jvmOptions", "only the java runtime takes JVM options");
    }
}
