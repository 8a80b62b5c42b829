package io.tandem.router.lambda;

import io.tandem.model.LogRecord;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * What {@code X-Amz-Log-Result} carries for {@code X-Amz-Log-Type: Tail}: the call's log as Lambda writes it, a
 * {@code START} line, the lines the function wrote, {@code END} and {@code REPORT} with the duration, cut to its last
 * {@value #MAX_BYTES} bytes and encoded in base64. Stateless.
 */
public final class LogTail {
    /** Lambda's limit on the tail. */
    public static final int MAX_BYTES = 4096;

    private LogTail() {
    }

    /** The log text of a call, whole. {@code durationNanos}: from the call's start to its response's end. */
    public static String text(String requestId, List<LogRecord> lines, long durationNanos, String instance) {
        StringBuilder t = new StringBuilder();
        t.append("START RequestId: ").append(requestId).append(" Version: $LATEST\n");
        for (LogRecord r : lines) t.append(r.message()).append('\n');
        double millis = durationNanos / 1e6;
        t.append("END RequestId: ").append(requestId).append('\n');
        t.append("REPORT RequestId: ").append(requestId).append("\tDuration: ").append(String.format(Locale.ROOT, "%.2f", millis))
                .append(" ms\tBilled Duration: ").append((long) Math.ceil(millis)).append(" ms\t");
        if (instance != null) t.append("Instance: ").append(instance).append('\t');
        return t.append('\n').toString();
    }

    /** The last {@value #MAX_BYTES} bytes of {@code text} in UTF-8, never starting inside a character, in base64. */
    public static String encoded(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int from = Math.max(0, bytes.length - MAX_BYTES);
        while (from < bytes.length && (bytes[from] & 0xC0) == 0x80) from++; // a continuation byte: not a character's start
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(bytes, from, bytes.length));
    }
}
