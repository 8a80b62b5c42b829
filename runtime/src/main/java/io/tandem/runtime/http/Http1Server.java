package io.tandem.runtime.http;

import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;

/**
 * An instance's HTTP/1.1 server on 127.0.0.1, whichever way it schedules calls: {@link PollingServer} (pollers that
 * serve calls inline, relieved when a call runs long) or {@link BlockingServer} (a thread per connection).
 */
public interface Http1Server extends AutoCloseable {
    /** The bound port. */
    int port();

    /** Stops accepting and closes every connection; calls under way lose their connection. */
    @Override
    void close();

    /** How calls are scheduled. */
    enum Kind {
        POLLING, BLOCKING;

        /** Binds {@code 127.0.0.1:port} (0 picks a free one) and starts serving {@code handler}. */
        public Http1Server start(int port, HttpHandler handler, String threadPrefix) throws IOException {
            return this == POLLING ? PollingServer.start(port, handler, threadPrefix) : BlockingServer.start(port, handler, threadPrefix);
        }
    }
}
