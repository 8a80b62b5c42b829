package io.tandem.model;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The controller's stream of changes, as its readers (router, executor) see it.
 *
 * <p>Thread-safe. {@link #subscribe} first delivers every stored resource as {@link Change.Type#ADDED}, then
 * every later change in revision order, each exactly once, on one thread per subscription; the listener must not
 * block for long.
 */
public interface ChangeFeed {
    AutoCloseable subscribe(Consumer<Change> listener);

    /**
     * Completes once every change stored before this call has been handed to every subscriber (and each
     * subscriber's earlier deliveries have returned), so a reader that missed something can look again. A feed that
     * cannot tell (the store unreachable) completes exceptionally. In-process feeds deliver as they store: done.
     */
    default CompletableFuture<Void> caughtUp() {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Completes once the feed has delivered the whole stored state at least once, and stays complete while the store
     * is away: what a reader needs before it can serve. In-process feeds deliver the state on subscribe: done.
     */
    default CompletableFuture<Void> synced() {
        return CompletableFuture.completedFuture(null);
    }
}
