package io.tandem.runtime.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A request's line and header fields, read from a connection: what an HTTP/1.1 server needs to frame the body and
 * decide whether the connection stays open. Immutable once read.
 */
record RequestHead(String method, String target, String protocol, HeaderFields fields) {
    /** The longest request line or header line accepted; longer ones get 431 (or 414 for the target). */
    static final int MAX_LINE = 16 * 1024;
    /** The most header bytes accepted in all. */
    static final int MAX_HEADERS = 64 * 1024;

    /**
     * Reads the next request's head, or returns null when the peer closed the connection cleanly between requests
     * (or sent only blank lines, which RFC 9112 lets a server ignore before a request line). Strings that repeat
     * the previous request's come from {@code last}.
     */
    static RequestHead read(ConnectionInput in, LastRequest last) throws IOException {
        int length;
        do {
            length = in.readLineBytes(MAX_LINE, 414, "request line");
            if (length < 0) return null;
        } while (length == 0);
        byte[] line = in.lineBytes();
        int start = in.lineStart();
        int end = start + length;
        int firstSpace = indexOf(line, start, end, ' ');
        int lastSpace = lastIndexOf(line, start, end, ' ');
        if (firstSpace <= start || lastSpace == firstSpace) throw new BadRequest(400, "malformed request line: " + printable(line, start, end));
        String method = last.string(LastRequest.METHOD, line, start, firstSpace);
        String target = last.string(LastRequest.TARGET, line, firstSpace + 1, lastSpace);
        String protocol = last.string(LastRequest.PROTOCOL, line, lastSpace + 1, end);
        if (!protocol.startsWith("HTTP/1.")) throw new BadRequest(505, "only HTTP/1.0 and HTTP/1.1 are served, not " + printable(protocol));
        if (target.isEmpty() || target.indexOf(' ') >= 0) throw new BadRequest(400, "malformed request target: " + printable(target));
        return new RequestHead(method, target, protocol, fields(in, last));
    }

    private static HeaderFields fields(ConnectionInput in, LastRequest last) throws IOException {
        String[] pairs = new String[16];
        int count = 0;
        int total = 0;
        while (true) {
            int length = in.readLineBytes(MAX_LINE, 431, "header line");
            if (length < 0) throw new BadRequest(400, "the connection closed inside the request's headers");
            if (length == 0) return new HeaderFields(Arrays.copyOf(pairs, 2 * count));
            total += length;
            if (total > MAX_HEADERS) throw new BadRequest(431, "the request's headers are longer than " + MAX_HEADERS + " bytes");
            byte[] line = in.lineBytes();
            int start = in.lineStart();
            int end = start + length;
            if (line[start] == ' ' || line[start] == '\t') throw new BadRequest(400, "folded header lines are not accepted");
            int colon = indexOf(line, start, end, ':');
            // A CR inside a line is no line break: the JDK's headers refused it, and so does this server.
            if (colon <= start || line[colon - 1] == ' ' || indexOf(line, start, end, '\r') >= 0) {
                throw new BadRequest(400, "malformed header line: " + printable(line, start, end));
            }
            int from = colon + 1;
            int to = end;
            while (from < to && isBlank(line[from])) from++;
            while (to > from && isBlank(line[to - 1])) to--;
            if (2 * count + 2 > pairs.length) pairs = Arrays.copyOf(pairs, pairs.length * 2);
            pairs[2 * count] = last.string(LastRequest.name(count), line, start, colon);
            pairs[2 * count + 1] = last.string(LastRequest.name(count) + 1, line, from, to);
            count++;
        }
    }

    /** Whether the client asked for the connection to stay open after this exchange. */
    boolean keepAlive() {
        String connection = fields.first("Connection");
        if ("HTTP/1.0".equals(protocol)) return connection != null && connection.equalsIgnoreCase("keep-alive");
        return connection == null || !connection.equalsIgnoreCase("close");
    }

    boolean http10() {
        return "HTTP/1.0".equals(protocol);
    }

    /** Optional whitespace around a field value: spaces and tabs (RFC 9110, section 5.6.3). */
    private static boolean isBlank(byte c) {
        return c == ' ' || c == '\t';
    }

    private static int indexOf(byte[] bytes, int from, int to, char c) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == c) return i;
        }
        return -1;
    }

    private static int lastIndexOf(byte[] bytes, int from, int to, char c) {
        for (int i = to - 1; i >= from; i--) {
            if (bytes[i] == c) return i;
        }
        return -1;
    }

    private static String printable(byte[] bytes, int from, int to) {
        return printable(new String(bytes, from, Math.min(to - from, 81), StandardCharsets.ISO_8859_1));
    }

    private static String printable(String text) {
        String cut = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
