package io.tandem.client;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.tandem.model.ClusterEvent;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection of the server's to NATS, one per purpose (message queue triggers, async calls), kept forever: until the first connection succeeds a thread of its own tries
 * every {@link #RETRY} (NATS may start after Tandem); after that the client library reconnects by itself, without
 * limit. Losing and regaining the connection are cluster events ({@code nats-disconnected}, {@code nats-connected}, their
 * detail naming the purpose);
 * {@code onChange} runs after each connection and each loss, on the library's thread, and must return at once.
 * Thread-safe.
 */
public final class NatsLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NatsLink.class);
    static final Duration RETRY = Duration.ofSeconds(1);

    private final String url;
    private final String purpose;
    private final Consumer<ClusterEvent> events;
    private final Runnable onChange;
    private volatile Connection connection;
    private volatile boolean up;
    private volatile String reason;
    private volatile String lastError;
    private volatile boolean closed;
    private Thread connector; // guarded by this
    private final ReentrantLock flushing = new ReentrantLock();

    /** {@code purpose} names the user in logs and events, as {@code message queue triggers}. */
    public NatsLink(String url, String purpose, Consumer<ClusterEvent> events, Runnable onChange) {
        this.url = url;
        this.purpose = purpose;
        this.events = events;
        this.onChange = onChange;
        this.reason = "not connected to " + url + " yet";
    }

    public String url() {
        return url;
    }

    /** Starts connecting, once; later calls do nothing. */
    public synchronized void start() {
        if (connector != null || closed) return;
        connector = Thread.ofPlatform().daemon().name("nats-connect").start(this::connectLoop);
    }

    /** The connection, while it is up. */
    public Optional<Connection> connection() {
        return up ? Optional.ofNullable(connection) : Optional.empty();
    }

    public boolean isUp() {
        return up;
    }

    /**
     * Waits until everything published on {@code c} so far has reached the server. One flush at a time: each sends a
     * PING, and the client drops the connection ("Max outgoing Ping count exceeded") when more than two are out, as
     * many calls flushing at once made them.
     */
    public void flush(Connection c, Duration timeout) throws TimeoutException, InterruptedException {
        flushing.lockInterruptibly();
        try {
            c.flush(timeout);
        } finally {
            flushing.unlock();
        }
    }

    /** {@code connected}, or {@code disconnected: <reason>}. */
    public String state() {
        return up ? "connected" : "disconnected: " + reason;
    }

    private void connectLoop() {
        Options options = new Options.Builder().server(url).connectionName("tandem-server " + purpose).maxReconnects(-1)
                .reconnectWait(RETRY).connectionTimeout(Duration.ofSeconds(2)).connectionListener(new Listener())
                .errorListener(new Errors()).build();
        boolean reported = false;
        while (!closed) {
            try {
                Connection c = Nats.connect(options);
                synchronized (this) {
                    if (closed) {
                        c.close();
                        return;
                    }
                    connection = c;
                }
                connected(c, false);
                return;
            } catch (IOException e) {
                reason = "cannot reach " + url + ": " + (e.getMessage() == null ? e.toString() : e.getMessage())
                        + (lastError == null ? "" : " (" + lastError + ")");
                if (!reported) {
                    log.warn("{} wait for NATS: {}; trying again every {} ms", purpose, reason, RETRY.toMillis());
                    emit(ClusterEvent.NATS_DISCONNECTED, purpose + " wait for NATS: " + reason);
                    reported = true;
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                Thread.sleep(RETRY);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void connected(Connection c, boolean again) {
        connection = c;
        up = true;
        lastError = null;
        log.info("{} {} NATS at {}", purpose, again ? "reconnected to" : "connected to", url);
        emit(ClusterEvent.NATS_CONNECTED, purpose + (again ? " reconnected to NATS at " : " connected to NATS at ") + url);
        onChange.run();
    }

    private final class Listener implements ConnectionListener {
        @Override
        public void connectionEvent(Connection c, Events type) {
            switch (type) {
                case RECONNECTED -> connected(c, true);
                case DISCONNECTED -> {
                    if (!up) return;
                    up = false;
                    reason = "lost the connection to " + url + (lastError == null ? "" : ": " + lastError) + "; reconnecting";
                    log.warn("{} {}", purpose, reason);
                    emit(ClusterEvent.NATS_DISCONNECTED, purpose + " " + reason + "; what is stored waits in JetStream");
                    onChange.run();
                }
                case CLOSED -> {
                    up = false;
                    reason = "the connection to " + url + " is closed";
                }
                default -> {
                }
            }
        }
    }

    private final class Errors implements ErrorListener {
        @Override
        public void exceptionOccurred(Connection c, Exception e) {
            lastError = e.getMessage() == null ? e.toString() : e.getMessage();
            log.debug("NATS: {}", lastError);
        }

        @Override
        public void errorOccurred(Connection c, String error) {
            lastError = error;
            log.debug("NATS error: {}", error);
        }
    }

    private void emit(String type, String detail) {
        try {
            events.accept(ClusterEvent.of(Instant.now(), type, null, null, null, detail));
        } catch (RuntimeException e) {
            log.warn("cannot report a {} event: {}", type, e.toString());
        }
    }

    @Override
    public void close() {
        Connection c;
        Thread t;
        synchronized (this) {
            closed = true;
            c = connection;
            t = connector;
        }
        up = false;
        if (t != null) t.interrupt();
        if (c != null) {
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
