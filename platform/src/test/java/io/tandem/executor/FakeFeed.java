package io.tandem.executor;

import io.tandem.model.Change;
import io.tandem.model.ChangeFeed;
import io.tandem.model.Resource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A change feed the test pushes into; revisions count up from 1. */
final class FakeFeed implements ChangeFeed {
    private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
    private final List<Change> history = new CopyOnWriteArrayList<>();
    private long revision;
    /** What {@link #caughtUp} answers: done, as an in-process feed's, unless a test holds it. */
    private volatile CompletableFuture<Void> caughtUp = CompletableFuture.completedFuture(null);
    private final AtomicInteger catchUpsAsked = new AtomicInteger();

    /** From now on the feed lags behind its store: {@link #caughtUp} answers the returned future, which the test completes. */
    CompletableFuture<Void> holdCatchUp() {
        caughtUp = new CompletableFuture<>();
        return caughtUp;
    }

    /** How many times a reader asked whether the feed had caught up. */
    int catchUpsAsked() {
        return catchUpsAsked.get();
    }

    @Override
    public CompletableFuture<Void> caughtUp() {
        catchUpsAsked.incrementAndGet();
        return caughtUp;
    }

    @Override
    public synchronized AutoCloseable subscribe(Consumer<Change> listener) {
        history.forEach(listener);
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    synchronized void push(Change.Type type, Resource resource) {
        Change c = new Change(++revision, type, resource);
        history.add(c);
        listeners.forEach(l -> l.accept(c));
    }
}
