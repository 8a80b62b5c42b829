package io.tandem.executor;

import io.tandem.model.Change;
import io.tandem.model.ChangeFeed;
import io.tandem.model.Resource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A change feed the test pushes into; revisions count up from 1. */
final class FakeFeed implements ChangeFeed {
    private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
    private final List<Change> history = new CopyOnWriteArrayList<>();
    private long revision;

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
