package io.tandem.runtime.http;

import com.sun.net.httpserver.Headers;
import java.io.IOException;

/**
 * A request's line and header fields, read from a connection: what an HTTP/1.1 server needs to frame the body and
 * decide whether the connection stays open. Immutable once read.
 */
record RequestHead(String method, String target, String protocol, Headers headers) {
    /** The longest request line or header line accepted; longer ones get 431 (or 414 for the target). */
    static final int MAX_LINE = 16 * 1024;
    /** The most header bytes accepted in all. */
    static final int MAX_HEADERS = 64 * 1024;

    /**
     * Reads the next request's head, or returns null when the peer closed the connection cleanly between requests
     * (or sent only blank lines, which RFC 9112 lets a server ignore before a request line).
     */
    static RequestHead read(ConnectionInput in) throws IOException {
        String requestLine;
        do {
            requestLine = in.readLine(MAX_LINE, 414, "request line");
            if (requestLine == null) return null;
        } while (requestLine.isEmpty());
        int firstSpace = requestLine.indexOf(' ');
        int lastSpace = requestLine.lastIndexOf(' ');
        if (firstSpace <= 0 || lastSpace == firstSpace) throw new BadRequest(400, "malformed request line: " + printable(requestLine));
        String method = requestLine.substring(0, firstSpace);
        String target = requestLine.substring(firstSpace + 1, lastSpace);
        String protocol = requestLine.substring(lastSpace + 1);
        if (!protocol.startsWith("HTTP/1.")) throw new BadRequest(505, "only HTTP/1.0 and HTTP/1.1 are served, not " + printable(protocol));
        if (target.isEmpty() || target.indexOf(' ') >= 0) throw new BadRequest(400, "malformed request target: " + printable(target));
        return new RequestHead(method, target, protocol, headers(in));
    }

    private static Headers headers(ConnectionInput in) throws IOException {
        var headers = new Headers();
        int total = 0;
        while (true) {
            String field = in.readLine(MAX_LINE, 431, "header line");
            if (field == null) throw new BadRequest(400, "the connection closed inside the request's headers");
            if (field.isEmpty()) return headers;
            total += field.length();
            if (total > MAX_HEADERS) throw new BadRequest(431, "the request's headers are longer than " + MAX_HEADERS + " bytes");
            if (field.charAt(0) == ' ' || field.charAt(0) == '\t') throw new BadRequest(400, "folded header lines are not accepted");
            int colon = field.indexOf(':');
            if (colon <= 0 || field.charAt(colon - 1) == ' ') throw new BadRequest(400, "malformed header line: " + printable(field));
            try {
                int from = colon + 1;
                int to = field.length();
                while (from < to && isBlank(field.charAt(from))) from++;
                while (to > from && isBlank(field.charAt(to - 1))) to--;
                headers.add(field.substring(0, colon), field.substring(from, to)); // one string for the value, not two
            } catch (IllegalArgumentException e) {
                throw new BadRequest(400, "malformed header line: " + printable(field));
            }
        }
    }

    /** Whether the client asked for the connection to stay open after this exchange. */
    boolean keepAlive() {
        String connection = headers.getFirst("Connection");
        if ("HTTP/1.0".equals(protocol)) return connection != null && connection.equalsIgnoreCase("keep-alive");
        return connection == null || !connection.equalsIgnoreCase("close");
    }

    boolean http10() {
        return "HTTP/1.0".equals(protocol);
    }

    /** Optional whitespace around a field value: spaces and tabs (RFC 9110, section 5.6.3). */
    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static String printable(String text) {
        String cut = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
