package io.tandem.runtime.http;

import com.sun.net.httpserver.HttpHandler;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One accepted connection and the thread that serves it: read a request, run the handler on this same thread,
 * finish the response, and read the next, until the peer closes, asks to close, idles out, or an exchange cannot be
 * framed. Owned by its thread; {@link #close} may come from any thread (the server shutting down).
 */
final class Connection implements Runnable {
    /** The most of an unread request body drained to keep the connection; past it the connection closes. */
    static final long DRAIN_LIMIT = 256 * 1024;

    private final Socket socket;
    private final HttpHandler handler;
    private final java.util.function.Consumer<Connection> onClose;
    private final LastRequest last = new LastRequest();
    private final ResponseHead responseHead = new ResponseHead();
    private volatile ConnectionInput in; // set once by the connection's thread; read by the server's idle check
    private OutputStream out;

    Connection(Socket socket, HttpHandler handler, java.util.function.Consumer<Connection> onClose) {
        this.socket = socket;
        this.handler = handler;
        this.onClose = onClose;
    }

    @Override
    public void run() {
        try {
            socket.setTcpNoDelay(true);
            in = new ConnectionInput(socket.getInputStream(), 16 * 1024);
            out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
            while (serveOne()) {
                // next request on the same connection
            }
        } catch (IOException closedOrBroken) {
            // the peer went away, the server closed the connection (idle, or shutting down), or a handler dropped it
            // by throwing: nothing is left to answer
        } finally {
            close();
            onClose.accept(this);
        }
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
        return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Whether its thread has waited for the peer's bytes longer than {@code nanos}; any thread may ask. */
    boolean idle(long nanos, long now) {
        ConnectionInput input = in;
        return input != null && input.waitingLongerThan(nanos, now);
    }

    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that was left to do
        }
    }
}
