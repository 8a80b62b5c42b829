package io.tandem.server;

import io.tandem.executor.Executor;
import io.tandem.model.Endpoint;
import io.tandem.router.InstanceSource;
import java.util.concurrent.CompletableFuture;

/** The router's cold path answered by the executor of this process. Thread-safe, as the executor is. */
final class ExecutorInstances implements InstanceSource {
    private final Executor executor;

    ExecutorInstances(Executor executor) {
        this.executor = executor;
    }

    @Override
    public CompletableFuture<Endpoint> acquire(String function) {
        return executor.acquire(function);
    }

    @Override
    public void coldCallEnded(Endpoint endpoint) {
        executor.coldCallEnded(endpoint);
    }

    @Override
    public void reportUnreachable(Endpoint endpoint) {
        executor.reportUnreachable(endpoint);
    }

    @Override
    public void reportSuspect(Endpoint endpoint, String why) {
        executor.reportSuspect(endpoint, why);
    }

    @Override
    public void recordTraffic(String function) {
        executor.recordTraffic(function);
    }
}
