package io.tandem.runtime;

import java.util.Map;

/** Turns a specialization into a ready invoker: what makes the {@code java} and {@code exec} runtimes differ. */
public interface Loader {

    /** Loads eagerly, so the first invocation pays nothing extra; throws when the code cannot serve. */
    Invoker load(Specialization spec) throws LoadException;

    /**
     * Variables the runtime gives every function it serves, beside the function's own (which win), set before its
     * code loads: the process environment the function expects of this runtime. {@code current} is the
     * environment as it is.
     */
    default Map<String, String> variables(Specialization spec, Map<String, String> current) {
        return Map.of();
    }

    /** Exercises the loader's own code paths once, before the instance reports healthy. */
    default void warmUp() {
    }
}
