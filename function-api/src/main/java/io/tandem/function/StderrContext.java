package io.tandem.function;

import java.time.Instant;

/** The {@link Context#of} context: logs to stderr. */
record StderrContext(String functionName, String requestId, Instant deadline) implements Context {
    @Override
    public Logger logger() {
        return message -> System.err.println("[" + requestId + "] " + message);
    }
}
