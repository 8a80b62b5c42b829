package io.tandem.runtime;

/** Turns a specialization into a ready invoker: what makes the {@code java} and {@code exec} runtimes differ. */
public interface Loader {

    /** Loads eagerly, so the first invocation pays nothing extra; throws when the code cannot serve. */
    Invoker load(Specialization spec) throws LoadException;

    /** Exercises the loader's own code paths once, before the instance reports healthy. */
    default void warmUp() {
    }
}
