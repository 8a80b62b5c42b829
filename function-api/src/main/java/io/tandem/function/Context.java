package io.tandem.function;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** What a handler knows about its invocation besides the request. */
public interface Context {

    /** The name the function was deployed under. */
    String functionName();

    /** A unique id of this invocation; it also prefixes the lines of {@link #logger()}. */
    String requestId();

    /** When the platform stops waiting for this invocation (the function's {@code timeout}). */
    Instant deadline();

    /** The time left until {@link #deadline()}; zero once past it. */
    default Duration remainingTime() {
        Duration left = Duration.between(Instant.now(), deadline());
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** Writes to the function's log (the instance's stderr). */
    Logger logger();

    /** A line-oriented log; thread-safe. */
    @FunctionalInterface
    interface Logger {
        void log(String message);
    }

    /**
     * A context whose logger writes {@code [requestId] message} lines to stderr: what the runtime passes, and
     * handy in a function's own unit tests.
     */
    static Context of(String functionName, String requestId, Instant deadline) {
        return new StderrContext(Objects.requireNonNull(functionName, "functionName"),
                Objects.requireNonNull(requestId, "requestId"), Objects.requireNonNull(deadline, "deadline"));
    }
}
