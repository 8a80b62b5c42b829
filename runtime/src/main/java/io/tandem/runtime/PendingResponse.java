package io.tandem.runtime;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The body of a 200 that is still being produced (a process's stdout, a stream handler's output). The first
 * {@value #BUFFERED} bytes are held back, so a function that fails early still gets its 500 or 504; a longer body
 * is streamed, and a failure after that can only drop the connection ({@link #abort}), which a client sees as a
 * broken response rather than a false success. Not thread-safe: one writer.
 */
public final class PendingResponse extends OutputStream {
    static final int BUFFERED = 64 * 1024;

    private final HttpExchange exchange;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private OutputStream streaming;

    public PendingResponse(HttpExchange exchange, String contentType) {
        this.exchange = exchange;
        exchange.getResponseHeaders().set("Content-Type", contentType);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (streaming != null) {
            streaming.write(bytes, offset, length);
            return;
        }
        buffer.write(bytes, offset, length);
        if (buffer.size() > BUFFERED) {
            exchange.sendResponseHeaders(200, 0);
            streaming = exchange.getResponseBody();
            buffer.writeTo(streaming);
            buffer.reset();
        }
    }

    /** Whether the 200 has been sent, so the status can no longer change. */
    public boolean committed() {
        return streaming != null;
    }

    /** Sends the 200 and the rest of the body. */
    public void finish() throws IOException {
        if (streaming == null) {
            Replies.send(exchange, 200, buffer.toByteArray());
        } else {
            streaming.close();
        }
    }

    /** Drops the connection of a response already committed: HttpServer closes it when its handler throws. */
    public static IOException abort(String reason) {
        return new IOException("response aborted after its status was sent: " + reason);
    }

    @Override
    public void close() {
        // finish() or abort() end the response; closing the handler's stream must not.
    }
}
