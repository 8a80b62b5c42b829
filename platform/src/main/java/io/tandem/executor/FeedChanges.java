package io.tandem.executor;

import io.tandem.model.Change;
import io.tandem.model.Environment;
import io.tandem.model.Function;
import java.util.function.Consumer;

/**
 * Applies the change feed to the {@link Cluster}: an environment added, changed or deleted (a changed or deleted one's
 * warm instances go), a function added, updated or deleted (poolmgr instances of an updated function go, since they
 * carry the old code; a kept-running function rolls), then re-plans what changed. On the executor's context only.
 */
final class FeedChanges {
    /** What a change asks of the executor around it. On its context. */
    interface Replanning {
        /** Re-plans every pool and function. */
        void reconcileAll();

        /** Re-plans one function's instances. */
        void reconcileFunction(FunctionState fs);
    }

    private final Cluster cluster;
    private final LaunchFailures failures;
    private final InstanceLauncher launcher;
    private final Publication publication;
    private final NodeMembership membership;
    private final Replanning replanning;
    private final Consumer<String> arrivals;

    /** {@code arrivals} hears of each function added or updated, once it is in the cluster. */
    FeedChanges(Cluster cluster, LaunchFailures failures, InstanceLauncher launcher, Publication publication, NodeMembership membership,
                Replanning replanning, Consumer<String> arrivals) {
        this.cluster = cluster;
        this.failures = failures;
        this.launcher = launcher;
        this.publication = publication;
        this.membership = membership;
        this.replanning = replanning;
        this.arrivals = arrivals;
    }

    void apply(Change change) {
        switch (change.resource()) {
            case Environment env -> applyEnvironment(change.type(), env);
            case Function fn -> applyFunction(change.type(), fn);
            default -> {
            }
        }
    }

    private void applyEnvironment(Change.Type type, Environment env) {
        Environment old = cluster.apply(env, type == Change.Type.DELETED);
        failures.forgetPool(env.name());
        if (old != null && (type == Change.Type.DELETED || !old.spec().equals(env.spec()))) {
            cluster.poolOf(env.name()).forEach(launcher::stop);
        }
        replanning.reconcileAll();
    }

    private void applyFunction(Change.Type type, Function fn) {
        if (type == Change.Type.DELETED) {
            FunctionState fs = cluster.removeFunction(fn.name());
            stopAll(fn.name());
            publication.republish(fn.name());
            if (fs != null) LaunchFailures.failWaiters(fs, new ExecutorException("function '" + fn.name() + "' was deleted"));
            return;
        }
        FunctionState fs = cluster.function(fn.name());
        if (fs == null) {
            fs = new FunctionState(fn);
            cluster.add(fs);
        } else {
            fs.fn = fn;
            fs.failures = 0;
            fs.errorAt = null;
            failures.succeeded(fs);
            // poolmgr instances carry the old code: drop them, the next call specializes afresh. newdeploy rolls.
            if (!fs.keptRunning()) stopAll(fn.name());
        }
        for (Node n : cluster.liveNodes()) membership.prefetch(n, fn);
        replanning.reconcileFunction(fs);
        arrivals.accept(fn.name());
    }

    private void stopAll(String function) {
        cluster.instancesOf(function).forEach(launcher::stop);
    }
}
