package io.tandem.runtime.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A connection's input, buffered, with a line reader that scans the buffer rather than reading byte by byte.
 * Owned by the connection's thread (and by one body reader at a time): unlike {@link java.io.BufferedInputStream}
 * it takes no lock per call, which the request head's byte-at-a-time parse paid on every byte.
 */
final class ConnectionInput extends InputStream {
    private final InputStream in;
    private final byte[] buffer;
    private int position;
    private int limit;
    private byte[] lineBytes;
    private int lineStart;
    /** System.nanoTime() when the read under way began, or NOT_READING; read by the server's idle check. */
    private volatile long readingSince = NOT_READING;
    private static final long NOT_READING = Long.MIN_VALUE;

    ConnectionInput(InputStream in, int size) {
        this.in = in;
        this.buffer = new byte[size];
    }

    @Override
    public int read() throws IOException {
        if (position == limit && !fill()) return -1;
        return buffer[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (position == limit) {
            if (len >= buffer.length) return timed(b, off, len); // a large body goes straight to the caller
            if (!fill()) return -1;
        }
        int n = Math.min(len, limit - position);
        System.arraycopy(buffer, position, b, off, n);
        position += n;
        return n;
    }

    /** How many bytes are read from the peer and not yet taken: a pipelined request's, say. */
    int buffered() {
        return limit - position;
    }

    @Override
    public int available() throws IOException {
        return limit - position + in.available();
    }

    /**
     * The next line without its CRLF (or bare LF), as ISO-8859-1; null at end of stream before any byte of it.
     * Fails with {@code tooLongStatus} past {@code max} bytes.
     */
    String readLine(int max, int tooLongStatus, String what) throws IOException {
        int length = readLineBytes(max, tooLongStatus, what);
        return length < 0 ? null : new String(lineBytes, lineStart, length, StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads the next line as {@link #readLine} does, without making a string of it: returns its length without the
     * CRLF, or -1 at end of stream before any byte of it, and leaves its bytes at {@link #lineBytes()} from
     * {@link #lineStart()}, valid until the next read.
     */
    int readLineBytes(int max, int tooLongStatus, String what) throws IOException {
        byte[] collected = null; // only for a line that spans refills
        int collectedLength = 0;
        while (true) {
            if (position == limit && !fill()) {
                if (collected == null) return -1;
                throw new BadRequest(400, "the connection closed inside the " + what);
            }
            int end = indexOfNewline();
            int chunk = (end < 0 ? limit : end) - position;
            if (collectedLength + chunk > max) throw new BadRequest(tooLongStatus, "the " + what + " is longer than " + max + " bytes");
            if (end >= 0 && collected == null) {
                int start = position;
                position = end + 1;
                return line(buffer, start, chunk);
            }
            if (collected == null) collected = new byte[Math.max(256, chunk * 2)];
            if (collectedLength + chunk > collected.length) collected = Arrays.copyOf(collected, Math.max(collected.length * 2, collectedLength + chunk));
            System.arraycopy(buffer, position, collected, collectedLength, chunk);
            collectedLength += chunk;
            position += chunk;
            if (end >= 0) {
                position = end + 1;
                return line(collected, 0, collectedLength);
            }
        }
    }

    /** The bytes of the line last read by {@link #readLineBytes}. */
    byte[] lineBytes() {
        return lineBytes;
    }

    /** Where in {@link #lineBytes()} the line last read starts. */
    int lineStart() {
        return lineStart;
    }

    private int indexOfNewline() {
        for (int i = position; i < limit; i++) {
            if (buffer[i] == '\n') return i;
        }
        return -1;
    }

    /** Records where a line is, less a final CR; returns its length. */
    private int line(byte[] bytes, int from, int length) {
        if (length > 0 && bytes[from + length - 1] == '\r') length--;
        lineBytes = bytes;
        lineStart = from;
        return length;
    }

    /**
     * Whether a read has been waiting for bytes for more than {@code nanos} at {@code now} (System.nanoTime()): the
     * peer idles, or stalls inside a request. Any thread may ask.
     */
    boolean waitingLongerThan(long nanos, long now) {
        long since = readingSince;
        return since != NOT_READING && now - since > nanos;
    }

    /**
     * Reads from the socket, noting when the read began. The socket has no read timeout ({@code SO_TIMEOUT}): with
     * one, the JDK makes the socket non-blocking and every read that finds nothing yet costs a failed read and a poll
     * before the read that gets the request; without one, a read blocks in the kernel until the request comes.
     */
    private int timed(byte[] b, int off, int len) throws IOException {
        readingSince = System.nanoTime();
        try {
            return in.read(b, off, len);
        } finally {
            readingSince = NOT_READING;
        }
    }

    private boolean fill() throws IOException {
        int n = timed(buffer, 0, buffer.length);
        if (n <= 0) return false;
        position = 0;
        limit = n;
        return true;
    }
}
