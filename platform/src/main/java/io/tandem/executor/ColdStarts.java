package io.tandem.executor;

import io.tandem.model.Endpoint;
import io.tandem.model.Environment;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The router's cold path: an endpoint for a function that has none published yet. A poolmgr function's callers share
 * one cold start (a warm instance specialized, or one launched), and its node's warm pool waits for the first call
 * to end before it refills ({@link FirstCalls}); a function whose instances are kept running waits, in {@link
 * FunctionState#waiters}, for its reconciliation to make one ready. On the executor's context only.
 */
final class ColdStarts {
    private final Cluster cluster;
    private final ExecutorConfig config;
    private final Publication publication;
    private final InstanceLauncher launcher;
    private final InstanceLauncher.Followups followups;
    private final FirstCalls firstCalls;

    ColdStarts(Cluster cluster, ExecutorConfig config, Publication publication, InstanceLauncher launcher,
               InstanceLauncher.Followups followups, FirstCalls firstCalls) {
        this.cluster = cluster;
        this.config = config;
        this.publication = publication;
        this.launcher = launcher;
        this.followups = followups;
        this.firstCalls = firstCalls;
    }

    /** An endpoint serving {@code name}: a ready one, or the one its cold start or its reconciliation brings. */
    CompletableFuture<Endpoint> acquire(String name) {
        FunctionState fs = cluster.function(name);
        if (fs == null) return CompletableFuture.failedFuture(new ExecutorException("no function named '" + name + "'"));
        Instant now = config.clock().instant();
        List<Instance> ready = publication.serving(fs);
        if (!ready.isEmpty()) {
            Instance i = ready.getFirst();
            i.lastUsed = now;
            return CompletableFuture.completedFuture(publication.endpoint(i));
        }
        if (fs.backingOff(now)) return CompletableFuture.failedFuture(new ExecutorException(fs.lastError));
        if (fs.keptRunning()) {
            if (cluster.aliveNodes().isEmpty()) return CompletableFuture.failedFuture(new ExecutorException("no live node to run function '" + name + "'"));
            CompletableFuture<Endpoint> w = new CompletableFuture<>();
            fs.waiters.add(w);
            followups.reconcileFunction(fs);
            return w;
        }
        // A finished cold start is never shared: its clean-up below may not have run yet (a caller's copy
        // completes before it), and a failure must not be handed to a caller who came after it.
        if (fs.coldStart == null || fs.coldStart.isDone()) {
            CompletableFuture<Endpoint> cold = coldStart(fs);
            fs.coldStart = cold;
            cold.whenComplete((e, t) -> followups.later(() -> {
                if (fs.coldStart == cold) fs.coldStart = null;
            }));
        }
        return fs.coldStart.copy();
    }

    private CompletableFuture<Endpoint> coldStart(FunctionState fs) {
        Environment env = cluster.environment(fs.fn.spec().environment());
        if (env == null) {
            return CompletableFuture.failedFuture(new ExecutorException("environment '" + fs.fn.spec().environment()
                    + "' of function '" + fs.name() + "' does not exist"));
        }
        return launcher.coldStart(fs, env)
                .onSuccess(i -> firstCalls.expect(i, config.clock().instant()))
                .map(publication::endpoint).toCompletionStage().toCompletableFuture();
    }

    /** A call that waited for a cold start of {@code endpoint} ended: its node's pool may refill now. */
    void callEnded(Endpoint endpoint) {
        if (firstCalls.ended(endpoint.instanceId())) followups.reconcilePools();
    }
}
