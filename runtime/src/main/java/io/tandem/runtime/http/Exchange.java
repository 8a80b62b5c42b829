package io.tandem.runtime.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One request and its response on a {@link Connection}, as the JDK's {@link HttpExchange} the runtime's invokers are
 * written against. Used by the connection's thread, and by threads the handler starts for the exchange while it
 * runs (an exec function's body feeder): the request body and the response body are separate streams.
 *
 * <p>{@link #sendResponseHeaders} follows the JDK's contract: a length above zero is sent as {@code Content-Length},
 * zero means chunked, -1 means no body. The server owns framing: a handler's own {@code Content-Length},
 * {@code Transfer-Encoding}, {@code Connection} or {@code Date} header is replaced.
 *
 * <p>The request's fields are read by the connection's thread before the handler runs and never change. The JDK's
 * {@link Headers} of the request and of the response are made only when a handler asks for them; the response's,
 * like the JDK's, belong to the thread that is answering.
 */
final class Exchange extends HttpExchange {
    /** IMF-fixdate (RFC 9110): two-digit day, English names, always GMT. */
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.ENGLISH);
    private static volatile CachedDate date = new CachedDate(0, "");
    private static final String[] NO_FIELDS = new String[0];

    private final Connection connection;
    private final RequestHead head;
    private final Bodies.Input requestBody;
    private Headers responseHeaders; // made on first use
    private String[] addedFields = NO_FIELDS; // name, value...: added by ResponseFields, not yet in responseHeaders
    private int added; // the length of addedFields in use
    private final URI uri;
    private Headers requestHeaders; // made on first use, guarded by this
    private Map<String, Object> attributes;
    private int status = -1;
    private Bodies.Output responseBody;
    private boolean keepAlive;

    Exchange(Connection connection, RequestHead head, URI uri, Bodies.Input requestBody) {
        this.connection = connection;
        this.head = head;
        this.uri = uri;
        this.requestBody = requestBody;
        this.keepAlive = head.keepAlive();
    }

    /** The request's headers as the JDK's type: made on first use (this server's own code reads {@link #requestFields}). */
    @Override
    public synchronized Headers getRequestHeaders() {
        if (requestHeaders == null) requestHeaders = head.fields().toJdkHeaders();
        return requestHeaders;
    }

    HeaderFields requestFields() {
        return head.fields();
    }

    /** The response's headers, those added through {@link ResponseFields} among them. */
    @Override
    public Headers getResponseHeaders() {
        if (responseHeaders == null) responseHeaders = new Headers();
        for (int i = 0; i < added; i += 2) responseHeaders.add(addedFields[i], addedFields[i + 1]);
        added = 0;
        return responseHeaders;
    }

    /** Adds a response field without making the JDK's {@link Headers}: checked by the caller. */
    void addResponseField(String name, String value) {
        if (added + 2 > addedFields.length) addedFields = java.util.Arrays.copyOf(addedFields, Math.max(8, 2 * addedFields.length));
        addedFields[added++] = name;
        addedFields[added++] = value;
    }

    @Override
    public URI getRequestURI() {
        return uri;
    }

    @Override
    public String getRequestMethod() {
        return head.method();
    }

    @Override
    public HttpContext getHttpContext() {
        return null; // one handler serves every path: there are no contexts
    }

    @Override
    public InputStream getRequestBody() {
        return requestBody;
    }

    @Override
    public OutputStream getResponseBody() {
        if (responseBody == null) throw new IllegalStateException("sendResponseHeaders must be called before the response body is written");
        return responseBody;
    }

    @Override
    public void sendResponseHeaders(int code, long length) throws IOException {
        if (responseBody != null) throw new IOException("the response headers were already sent");
        if (code < 200 || code > 999) throw new IllegalArgumentException("not a final status: " + code);
        status = code;
        if (requestBody.continuePending()) keepAlive = false; // its body may still come
        boolean bodiless = code == 204 || code == 304 || "HEAD".equals(head.method()) || length < 0;
        OutputStream out = connection.output();
        ResponseHead text = connection.responseHead().status(code, reason(code));
        // The server owns framing and the date: the handler's own are left out.
        if (responseHeaders != null) {
            responseHeaders.forEach((name, values) -> {
                if (isServers(name)) return;
                for (String value : values) text.canonicalField(name, value); // the JDK's Headers keeps Content-type
            });
        }
        for (int i = 0; i < added; i += 2) {
            if (!isServers(addedFields[i])) text.canonicalField(addedFields[i], addedFields[i + 1]);
        }
        if (code != 204 && code != 304) {
            if (length > 0) {
                text.field("Content-Length", length);
            } else if (length < 0) {
                text.field("Content-Length", 0);
            } else if (head.http10()) {
                keepAlive = false;
            } else if (!bodiless) {
                text.field("Transfer-Encoding", "chunked");
            }
        }
        if (!keepAlive) {
            text.field("Connection", "close");
        } else if (head.http10()) {
            text.field("Connection", "keep-alive");
        }
        text.field("Date", now());
        text.writeTo(out);
        if (bodiless) {
            responseBody = Bodies.none(out);
        } else if (length > 0) {
            responseBody = Bodies.fixed(out, length);
        } else if (head.http10()) {
            responseBody = Bodies.untilClose(out);
        } else {
            responseBody = Bodies.chunked(out);
        }
    }

    /** Whether a response header is the server's to write: framing, and the date. */
    private static boolean isServers(String name) {
        return name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")
                || name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Date");
    }

    /** The {@code 100 Continue} a client that sent {@code Expect} waits for before sending the body. */
    void continueIfExpected() {
        String expect = head.fields().first("Expect");
        if (expect == null || !expect.equalsIgnoreCase("100-continue") || head.http10()) return;
        requestBody.beforeFirstRead(() -> {
            if (responseBody != null) return;
            try {
                OutputStream out = connection.output();
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * Ends the exchange: finishes the response's framing and drains what the handler left of the request body.
     * Returns whether the connection may carry another request.
     */
    boolean complete() throws IOException {
        if (responseBody == null) return false; // the handler sent nothing: closing is the only answer left
        boolean framed = responseBody.finish();
        if (!keepAlive || !framed) return false;
        if (requestBody.continuePending()) return false;
        return requestBody.drain(Connection.DRAIN_LIMIT);
    }

    @Override
    public void close() {
        try {
            if (responseBody != null) responseBody.finish();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public int getResponseCode() {
        return status;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return connection.localAddress();
    }

    @Override
    public String getProtocol() {
        return head.protocol();
    }

    @Override
    public synchronized Object getAttribute(String name) {
        return attributes == null ? null : attributes.get(name);
    }

    @Override
    public synchronized void setAttribute(String name, Object value) {
        if (attributes == null) attributes = new HashMap<>();
        attributes.put(name, value);
    }

    @Override
    public void setStreams(InputStream in, OutputStream out) {
        throw new UnsupportedOperationException("filters are not used: streams cannot be replaced");
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return null;
    }

    /** The {@code Date} header's value, remade at most once a second. */
    private static String now() {
        long second = System.currentTimeMillis() / 1000;
        CachedDate cached = date;
        if (cached.second() != second) {
            cached = new CachedDate(second, HTTP_DATE.format(ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(second), ZoneOffset.UTC)));
            date = cached;
        }
        return cached.text();
    }

    private record CachedDate(long second, String text) {
    }

    /** A status's reason phrase; clients ignore it, but a missing one reads as broken in a raw dump. */
    static String reason(int code) {
        return Reasons.of(code);
    }

    private static final class Reasons {
        private static final Map<Integer, String> KNOWN = Map.ofEntries(
                Map.entry(200, "OK"), Map.entry(201, "Created"), Map.entry(202, "Accepted"), Map.entry(204, "No Content"),
                Map.entry(301, "Moved Permanently"), Map.entry(302, "Found"), Map.entry(304, "Not Modified"),
                Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"), Map.entry(403, "Forbidden"),
                Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"), Map.entry(409, "Conflict"),
                Map.entry(413, "Content Too Large"), Map.entry(414, "URI Too Long"), Map.entry(422, "Unprocessable Content"),
                Map.entry(429, "Too Many Requests"), Map.entry(431, "Request Header Fields Too Large"),
                Map.entry(500, "Internal Server Error"), Map.entry(501, "Not Implemented"), Map.entry(502, "Bad Gateway"),
                Map.entry(503, "Service Unavailable"), Map.entry(504, "Gateway Timeout"), Map.entry(505, "HTTP Version Not Supported"));

        private static final List<String> CLASSES = List.of("Informational", "Success", "Redirection", "Client Error", "Server Error");

        static String of(int code) {
            String known = KNOWN.get(code);
            return known != null ? known : CLASSES.get(Math.min(Math.max(code / 100 - 1, 0), 4));
        }
    }
}
