package io.tandem.http;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many connections each client (remote IP address) holds open on one listener, and the most it may: a client
 * over the cap has its next connection closed at once, so one address cannot take every file descriptor and event
 * loop slot of the server while others wait. Behind a proxy every client shares the proxy's address: raise the cap
 * there, or turn it off ({@link #unlimited()}).
 *
 * <p>Thread-safe: one instance is shared by every event loop serving the listener's port.
 */
public final class ClientConnections {
    private final int perClient;
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();

    private ClientConnections(int perClient) {
        this.perClient = perClient;
    }

    /** At most {@code perClient} open connections per remote address; 0 means no cap. */
    public static ClientConnections capped(int perClient) {
        if (perClient < 0) throw new IllegalArgumentException("connections per client must be 0 (no cap) or more, was " + perClient);
        return new ClientConnections(perClient);
    }

    public static ClientConnections unlimited() {
        return new ClientConnections(0);
    }

    /** The cap; 0 when there is none. */
    public int perClient() {
        return perClient;
    }

    /**
     * Counts a new connection from {@code client} and says whether it may stay; a connection admitted here must be
     * {@linkplain #release released} exactly once when it closes, a refused one never.
     */
    public boolean admit(String client) {
        if (perClient == 0) return true;
        boolean[] admitted = {false};
        open.compute(client, (c, n) -> {
            int now = n == null ? 0 : n;
            if (now >= perClient) return n;
            admitted[0] = true;
            return now + 1;
        });
        if (!admitted[0]) refused.incrementAndGet();
        return admitted[0];
    }

    public void release(String client) {
        if (perClient == 0) return;
        open.computeIfPresent(client, (c, n) -> n <= 1 ? null : n - 1);
    }

    /** Connections closed at once for being over the cap, since this listener started. */
    public long refused() {
        return refused.get();
    }

    /** Open connections of {@code client} (counted only while there is a cap). */
    public int openBy(String client) {
        return open.getOrDefault(client, 0);
    }
}
