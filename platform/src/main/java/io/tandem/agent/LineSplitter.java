package io.tandem.agent;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Cuts what a process writes into printable lines. A line ends at {@code \n} (a {@code \r} before it is dropped)
 * or at the end of the stream. Bytes that are not valid UTF-8, and control characters other than tab, become
 * {@code \xNN} (the C1 controls a {@code \\u} escape), so a line holds no terminal escape and no newline of its own. A line longer than
 * {@code maxLineBytes} keeps its first {@code maxLineBytes} bytes and says how many it lost; the rest is skipped
 * without being held, so a megabyte line costs no more memory than a short one.
 *
 * <p>Not thread-safe: one splitter per stream, fed by the one thread that reads it.
 */
final class LineSplitter {
    private final int maxLineBytes;
    private final Consumer<String> onLine;
    private final byte[] line;
    /** Reused for every line: this splitter's thread is the only one that decodes. */
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final CharBuffer chars;
    private int length;
    private long cut;

    LineSplitter(int maxLineBytes, Consumer<String> onLine) {
        this.maxLineBytes = maxLineBytes;
        this.onLine = onLine;
        this.line = new byte[maxLineBytes];
        this.chars = CharBuffer.allocate(maxLineBytes);
    }

    void feed(byte[] bytes, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                emit();
            } else if (length < maxLineBytes) {
                line[length++] = b;
            } else {
                cut++;
            }
        }
    }

    /** Emits what is left after the last newline, when the stream ends. */
    void finish() {
        if (length > 0 || cut > 0) emit();
    }

    private void emit() {
        int n = length;
        if (cut == 0 && n > 0 && line[n - 1] == '\r') n--;
        String text = printable(line, n);
        if (cut > 0) text += " ...[line cut: " + cut + " more bytes]";
        length = 0;
        cut = 0;
        onLine.accept(text);
    }

    /** {@code bytes[0..n)} as UTF-8, with invalid bytes and control characters (tab aside) written {@code \xNN}. */
    private String printable(byte[] bytes, int n) {
        decoder.reset();
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, n);
        CharBuffer out = chars.clear();
        StringBuilder text = new StringBuilder(n);
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            out.flip();
            appendEscaped(text, out);
            out.clear();
            if (r.isUnderflow()) {
                // Bytes of a character cut at the end of the line are left in the buffer: escape them too.
                while (in.hasRemaining()) hex(text, in.get());
                break;
            }
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) hex(text, in.get());
            }
        }
        return text.toString();
    }

    private static void appendEscaped(StringBuilder text, CharBuffer chars) {
        while (chars.hasRemaining()) {
            char c = chars.get();
            if ((c < 0x20 && c != '\t') || c == 0x7f) hex(text, (byte) c);
            else if (c >= 0x80 && c < 0xa0) text.append(String.format("\\u%04x", (int) c));
            else text.append(c);
        }
    }

    private static void hex(StringBuilder text, byte b) {
        text.append("\\x").append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
}
