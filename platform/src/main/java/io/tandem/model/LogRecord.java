package io.tandem.model;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * One line an instance wrote: when the agent read it, the function and instance it came from, the node, the stream
 * ({@code stdout} or {@code stderr}) and the text. The message is already safe to print: an agent cuts long lines
 * and escapes bytes that are not printable UTF-8, so a record is one line of text.
 */
public record LogRecord(Instant time, String function, String instance, String node, String stream, String message) {

    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ISO_INSTANT;

    /** {@code 2026-12-02T17:30:35.123Z [hello hello-ab-3@node-1 stderr] message}, as {@code tandem fn logs} prints it. */
    public String toText() {
        return MILLIS.format(time.truncatedTo(ChronoUnit.MILLIS)) + " [" + function + " " + instance + "@" + node + " " + stream + "] " + message;
    }
}
