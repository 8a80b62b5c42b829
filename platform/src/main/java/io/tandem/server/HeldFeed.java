package io.tandem.server;

import io.tandem.model.Change;
import io.tandem.model.ChangeFeed;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Holds subscriptions until {@link #release}, then hands them to the real feed, whose first delivery is the whole
 * state it holds by then: the executor subscribes when it starts, and sees functions once its nodes have joined.
 */
final class HeldFeed implements ChangeFeed {
    private final ChangeFeed feed;
    private final List<Held> held = new ArrayList<>(); // guarded by this
    private boolean released; // guarded by this

    private static final class Held implements AutoCloseable {
        final Consumer<Change> listener;
        AutoCloseable subscription; // guarded by the HeldFeed
        boolean closed; // guarded by the HeldFeed

        Held(Consumer<Change> listener) {
            this.listener = listener;
        }

        @Override
        public void close() throws Exception {
            AutoCloseable s;
            synchronized (this) {
                closed = true;
                s = subscription;
            }
            if (s != null) s.close();
        }
    }

    HeldFeed(ChangeFeed feed) {
        this.feed = feed;
    }

    @Override
    public synchronized AutoCloseable subscribe(Consumer<Change> listener) {
        if (released) return feed.subscribe(listener);
        Held h = new Held(listener);
        held.add(h);
        return h;
    }

    synchronized void release() {
        released = true;
        for (Held h : held) {
            synchronized (h) {
                if (!h.closed) h.subscription = feed.subscribe(h.listener);
            }
        }
        held.clear();
    }

    @Override
    public CompletableFuture<Void> caughtUp() {
        return feed.caughtUp();
    }
}
