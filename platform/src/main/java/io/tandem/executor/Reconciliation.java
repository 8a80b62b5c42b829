package io.tandem.executor;

import io.tandem.executor.deploy.ReplicaReconciler;
import io.tandem.executor.pool.PoolReconciler;
import io.tandem.model.Environment;
import java.util.List;

/**
 * Re-plans the warm pools ({@link PoolReconciler}) and every kept-running function: a pair through {@link
 * PairSupervisor}, replicas through {@link ReplicaReconciler}. Does nothing once the executor is stopping. On the
 * executor's context only.
 */
final class Reconciliation implements FeedChanges.Replanning, NodeMembership.Replanning {
    private final ExecutorContext ctx;
    private final Cluster cluster;
    private final PoolReconciler pools;
    private final PairSupervisor pairs;
    private final InstanceLauncher launcher;

    Reconciliation(ExecutorContext ctx, PoolReconciler pools, PairSupervisor pairs, InstanceLauncher launcher) {
        this.ctx = ctx;
        this.cluster = ctx.cluster();
        this.pools = pools;
        this.pairs = pairs;
        this.launcher = launcher;
    }

    @Override
    public boolean stopping() {
        return ctx.stopping();
    }

    @Override
    public void reconcileAll() {
        if (ctx.stopping()) return;
        reconcilePools();
        for (FunctionState fs : List.copyOf(cluster.functions())) reconcileFunction(fs);
    }

    void reconcilePools() {
        if (ctx.stopping()) return;
        pools.reconcile(ctx.config().clock().instant());
    }

    @Override
    public void reconcileFunction(FunctionState fs) {
        if (ctx.stopping() || !fs.keptRunning()) return;
        // A pair plans its own back-off (StandbyPlanner): a promotion must never wait for the function's.
        if (!fs.activeStandby() && fs.backingOff(ctx.config().clock().instant())) return;
        Environment env = cluster.environment(fs.fn.spec().environment());
        if (env == null) {
            fs.lastError = "environment '" + fs.fn.spec().environment() + "' of function '" + fs.name() + "' does not exist";
            LaunchFailures.failWaiters(fs, new ExecutorException(fs.lastError));
            return;
        }
        if (fs.activeStandby()) {
            pairs.reconcile(fs, env);
            return;
        }
        ReplicaReconciler.reconcile(new FunctionReplicas(fs, env, cluster, launcher, pairs), cluster.aliveNodes());
    }
}
