package io.tandem.router;

import io.tandem.model.Endpoint;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cold path: asks the executor for an endpoint, so that concurrent cold requests for one function share one
 * acquire. Thread-safe. An acquire is forgotten as soon as it completes, so the next cold request after a failure
 * asks again.
 */
final class ColdStarts {
    private final InstanceSource source;
    private final ConcurrentHashMap<String, CompletableFuture<Endpoint>> pending = new ConcurrentHashMap<>();

    ColdStarts(InstanceSource source) {
        this.source = source;
    }

    CompletableFuture<Endpoint> acquire(String function) {
        CompletableFuture<Endpoint> mine = new CompletableFuture<>();
        CompletableFuture<Endpoint> running = pending.putIfAbsent(function, mine);
        if (running != null) return running;
        CompletableFuture<Endpoint> acquired;
        try {
            acquired = source.acquire(function);
        } catch (RuntimeException e) {
            acquired = CompletableFuture.failedFuture(e);
        }
        acquired.whenComplete((endpoint, failure) -> {
            pending.remove(function, mine);
            if (failure != null) mine.completeExceptionally(failure);
            else mine.complete(endpoint);
        });
        return mine;
    }

    void reportUnreachable(Endpoint endpoint) {
        source.reportUnreachable(endpoint);
    }
}
