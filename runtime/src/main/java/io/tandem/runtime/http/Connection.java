package io.tandem.runtime.http;

import com.sun.net.httpserver.HttpHandler;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One accepted connection: read a request, run the handler on the thread serving the connection, finish the
 * response, and read the next, until the peer closes, asks to close, idles out, or an exchange cannot be framed.
 *
 * <p>Two servers drive it. {@link BlockingServer} gives it a thread of its own, which runs {@link #run} and blocks
 * between requests. {@link PollingServer} calls {@link #serveArrived} on a poller's thread when a request has come,
 * and takes the connection back to its selector once the requests that arrived are answered.
 *
 * <p>Owned by the one thread serving it at a time; {@link #close} may come from any thread (idle, or shutdown).
 */
final class Connection implements Runnable {
    /** The most of an unread request body drained to keep the connection; past it the connection closes. */
    static final long DRAIN_LIMIT = 256 * 1024;

    /** What a connection is carried on: a blocking socket, or a non-blocking channel. */
    interface Transport {
        InputStream input() throws IOException;

        OutputStream output() throws IOException;

        InetSocketAddress remoteAddress();

        InetSocketAddress localAddress();

        void close() throws IOException;
    }

    private final Transport transport;
    private final HttpHandler handler;
    private final java.util.function.Consumer<Connection> onClose;
    private final LastRequest last = new LastRequest();
    private final ResponseHead responseHead = new ResponseHead();
    private volatile ConnectionInput in; // set once by the first thread serving it; read by the server's idle check
    private OutputStream out;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    /** Used by PollingServer: System.nanoTime() since the connection waits in its poller for a request, else NOT_WAITING. */
    private volatile long waitingSince = NOT_WAITING;
    private static final long NOT_WAITING = Long.MIN_VALUE;

    Connection(Transport transport, HttpHandler handler, java.util.function.Consumer<Connection> onClose) {
        this.transport = transport;
        this.handler = handler;
        this.onClose = onClose;
    }

    /** A connection on a blocking socket. */
    static Transport socket(Socket socket) {
        return new Transport() {
            @Override
            public InputStream input() throws IOException {
                socket.setTcpNoDelay(true);
                return socket.getInputStream();
            }

            @Override
            public OutputStream output() throws IOException {
                return socket.getOutputStream();
            }

            @Override
            public InetSocketAddress remoteAddress() {
                return (InetSocketAddress) socket.getRemoteSocketAddress();
            }

            @Override
            public InetSocketAddress localAddress() {
                return (InetSocketAddress) socket.getLocalSocketAddress();
            }

            @Override
            public void close() throws IOException {
                socket.close();
            }
        };
    }

    private void open() throws IOException {
        if (in != null) return;
        in = new ConnectionInput(transport.input(), 16 * 1024);
        out = new BufferedOutputStream(transport.output(), 16 * 1024);
    }

    /** Serves the connection on the calling thread until it closes ({@link BlockingServer}). */
    @Override
    public void run() {
        try {
            open();
            while (serveOne()) {
                // next request on the same connection
            }
        } catch (IOException closedOrBroken) {
            // the peer went away, the server closed the connection (idle, or shutting down), or a handler dropped it
            // by throwing: nothing is left to answer
        } finally {
            close();
        }
    }

    /**
     * Serves the requests that have arrived, on the calling thread ({@link PollingServer}'s poller, told the
     * connection is readable): one, and the next as long as its first bytes are already read. Returns true when the
     * connection is to wait for its next request, false when it closed. A pooled thread may carry an interrupt meant
     * for an earlier call (the runtime's timeout watchdog): it is cleared first, as it is not this call's.
     */
    boolean serveArrived() {
        Thread.interrupted();
        try {
            open();
            do {
                if (!serveOne()) {
                    close();
                    return false;
                }
            } while (in.buffered() > 0);
            return true;
        } catch (IOException closedOrBroken) {
            close(); // as in run()
            return false;
        } catch (RuntimeException bug) {
            // Not the handler's (serveOne catches those): the server's own. The poller must live on to serve the rest.
            System.err.println("tandem-runtime: serving a connection failed: " + bug);
            close();
            return false;
        }
    }

    /** Notes that the connection now waits in its poller for its next request (for the idle check). */
    void waiting(long now) {
        waitingSince = now;
    }

    void busy() {
        waitingSince = NOT_WAITING;
    }

    /** Serves one request; false when the connection is to close. */
    private boolean serveOne() throws IOException {
        Exchange exchange;
        try {
            RequestHead head = RequestHead.read(in, last);
            if (head == null) return false;
            java.net.URI uri = last.uri(head.target()); // parsed before any handler runs: a malformed one gets 400
            exchange = new Exchange(this, head, uri, body(head));
        } catch (BadRequest refused) {
            refuse(refused.status(), refused.getMessage());
            return false;
        }
        exchange.continueIfExpected();
        try {
            handler.handle(exchange);
        } catch (RuntimeException | Error bug) {
            // As the JDK's server does: a handler that throws has its connection dropped, whatever it sent.
            System.err.println("tandem-runtime: a request handler failed on " + exchange.getRequestURI() + ": " + bug);
            return false;
        }
        return exchange.complete();
    }

    private Bodies.Input body(RequestHead head) throws BadRequest {
        HeaderFields fields = head.fields();
        String transferEncoding = fields.first("Transfer-Encoding");
        if (transferEncoding != null) {
            if (!transferEncoding.strip().toLowerCase(java.util.Locale.ROOT).endsWith("chunked")) {
                throw new BadRequest(501, "unsupported Transfer-Encoding: " + transferEncoding + " (only chunked is)");
            }
            return Bodies.chunked(in);
        }
        var lengths = fields.all("Content-Length");
        if (lengths.isEmpty()) return Bodies.empty();
        long length = -1;
        for (String text : lengths) {
            for (String one : text.split(",")) {
                long parsed;
                try {
                    parsed = Long.parseLong(one.strip());
                } catch (NumberFormatException e) {
                    throw new BadRequest(400, "Content-Length is not a number: " + text);
                }
                if (parsed < 0 || (length >= 0 && parsed != length)) throw new BadRequest(400, "conflicting or negative Content-Length: " + lengths);
                length = parsed;
            }
        }
        return length == 0 ? Bodies.empty() : Bodies.fixed(in, length);
    }

    /** Answers a request no handler will see, then the connection closes. */
    private void refuse(int status, String detail) {
        String json = "{\"error\":\"bad request\",\"detail\":\"" + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + Exchange.reason(status) + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        try {
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
        } catch (IOException ignored) {
            // the peer is gone already
        }
    }

    OutputStream output() {
        return out;
    }

    /** The buffer an exchange writes its response's head into; one exchange at a time. */
    ResponseHead responseHead() {
        return responseHead;
    }

    InetSocketAddress remoteAddress() {
        return transport.remoteAddress();
    }

    InetSocketAddress localAddress() {
        return transport.localAddress();
    }

    /**
     * Whether the connection has waited for the peer's bytes longer than {@code nanos}: between requests, or inside
     * one; any thread may ask.
     */
    boolean idle(long nanos, long now) {
        long since = waitingSince;
        if (since != NOT_WAITING && now - since > nanos) return true;
        ConnectionInput input = in;
        return input != null && input.waitingLongerThan(nanos, now);
    }

    /** Closes the connection once, from any thread; the server hears of it through its {@code onClose}. */
    void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            transport.close();
        } catch (IOException ignored) {
            // closing is all that was left to do
        } finally {
            onClose.accept(this);
        }
    }
}
