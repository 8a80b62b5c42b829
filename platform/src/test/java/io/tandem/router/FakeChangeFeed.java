package io.tandem.router;

import io.tandem.model.Change;
import io.tandem.model.ChangeFeed;
import io.tandem.model.Resource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A change feed the test drives by hand; delivers on the caller's thread. */
final class FakeChangeFeed implements ChangeFeed {
    private final Map<String, Resource> stored = new LinkedHashMap<>();
    private final List<Consumer<Change>> listeners = new ArrayList<>();
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
        for (Resource r : stored.values()) listener.accept(new Change(++revision, Change.Type.ADDED, r));
        listeners.add(listener);
        return () -> {
            synchronized (this) {
                listeners.remove(listener);
            }
        };
    }

    synchronized void put(Resource resource) {
        Change.Type type = stored.put(key(resource), resource) == null ? Change.Type.ADDED : Change.Type.MODIFIED;
        Change change = new Change(++revision, type, resource);
        listeners.forEach(l -> l.accept(change));
    }

    synchronized void delete(Resource resource) {
        stored.remove(key(resource));
        Change change = new Change(++revision, Change.Type.DELETED, resource);
        listeners.forEach(l -> l.accept(change));
    }

    private static String key(Resource r) {
        return r.kind() + "/" + r.name();
    }
}
