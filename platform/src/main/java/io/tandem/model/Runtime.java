package io.tandem.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How an environment runs functions; what an instance of each runtime is, in docs/instance-protocol.md. */
public enum Runtime {
    /** A generic warm JVM that loads the function's jar on its first call. */
    JAVA,
    /** A process per request, with the classic-watchdog protocol (body on stdin, stdout as the response). */
    EXEC,
    /** The function is its own HTTP server, started with {@code PORT}. */
    HTTP,
    /**
     * An AWS Lambda function in any language: its runtime interface client (the environment's command) or its code's
     * {@code bootstrap} takes events from the AWS Lambda Runtime API that the instance serves.
     */
    LAMBDA;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Runtime fromWire(String text) {
        for (Runtime v : values()) {
            if (v.wireName().equalsIgnoreCase(text)) return v;
        }
        throw new InvalidResourceException(null, "unknown runtime '" + text + "': use " + Arrays.stream(values()).map(Runtime::wireName).collect(Collectors.joining(", ")));
    }
}
