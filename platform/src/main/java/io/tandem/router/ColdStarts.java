package io.tandem.router;

import io.tandem.model.Endpoint;
import java.util.ArrayList;
import java.util.List;
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

    /** The executor's answer for {@code function}, shared with every other request waiting for it. */
    CompletableFuture<Endpoint> acquire(String function) {
        List<CompletableFuture<Endpoint>> started = new ArrayList<>(1);
        CompletableFuture<Endpoint> shared = pending.computeIfAbsent(function, f -> {
            CompletableFuture<Endpoint> acquire = startAcquire(f);
            started.add(acquire);
            return acquire;
        });
        // Outside computeIfAbsent: an answer that is already complete removes itself at once.
        if (!started.isEmpty()) shared.whenComplete((endpoint, failure) -> pending.remove(function, shared));
        return shared;
    }

    private CompletableFuture<Endpoint> startAcquire(String function) {
        try {
            return source.acquire(function);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    void callEnded(Endpoint endpoint) {
        source.coldCallEnded(endpoint);
    }

    void reportUnreachable(Endpoint endpoint) {
        source.reportUnreachable(endpoint);
    }

    void reportSuspect(Endpoint endpoint, String why) {
        source.reportSuspect(endpoint, why);
    }
}
