package io.tandem.executor;

import io.tandem.model.ClusterEvent;

/**
 * Where the executor reports what happened to nodes and instances, so a user can see why traffic moved. Called on
 * the executor's context, so {@link #emit} must return at once: an implementation that stores events hands them to
 * a bounded queue of its own and drops rather than waits. What it throws is logged and ignored.
 */
@FunctionalInterface
public interface EventSink {
    void emit(ClusterEvent event);

    /** Forgets every event. */
    static EventSink discard() {
        return event -> {
        };
    }
}
