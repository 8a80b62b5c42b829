package io.tandem.runtime;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.Map;

/**
 * Gives a running JVM more environment variables: those of the function a warm instance is specialized for, which
 * its code reads with {@code System.getenv} and its child processes inherit, exactly as if the instance had started
 * with them. The JDK offers no API for this, so the map behind {@code System.getenv()} is written through
 * reflection; the runtime's launch line opens {@code java.lang} and {@code java.util} to it for that
 * ({@link #JVM_OPTIONS}). Called on the thread that specializes the instance, before the function's classes load;
 * no function code runs yet, so nothing reads the map while it changes.
 */
public final class ProcessVariables {
    /** What the instance's JVM needs on its command line for {@link #add}. */
    public static final String[] JVM_OPTIONS = {"--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED"};

    private ProcessVariables() {
    }

    /**
     * Adds {@code variables} to the process environment and returns what they replaced (a null value: was unset),
     * for {@link #restore} when the specialization fails and the instance goes back to its pool.
     */
    public static Map<String, String> add(Map<String, String> variables) throws LoadException {
        Map<String, String> previous = new HashMap<>();
        if (variables.isEmpty()) return previous;
        Map<String, String> env = writable();
        for (Map.Entry<String, String> v : variables.entrySet()) previous.put(v.getKey(), env.put(v.getKey(), v.getValue()));
        return previous;
    }

    /** Puts back what {@link #add} replaced. */
    public static void restore(Map<String, String> previous) throws LoadException {
        if (previous.isEmpty()) return;
        Map<String, String> env = writable();
        previous.forEach((name, value) -> {
            if (value == null) env.remove(name);
            else env.put(name, value);
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> writable() throws LoadException {
        try {
            // System.getenv() is an unmodifiable view of a map that also backs every new ProcessBuilder's copy.
            Field view = Class.forName("java.lang.ProcessEnvironment").getDeclaredField("theUnmodifiableEnvironment");
            view.setAccessible(true);
            Object unmodifiable = view.get(null);
            Field inner = unmodifiable.getClass().getDeclaredField("m");
            inner.setAccessible(true);
            return (Map<String, String>) inner.get(unmodifiable);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new LoadException("cannot give the function its variables in this JVM (" + e
                    + "); start it with " + String.join(" ", JVM_OPTIONS));
        }
    }
}
