package io.tandem.executor;

import io.tandem.executor.pool.PoolReconciler;
import io.tandem.model.Environment;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The warm pools as {@link PoolReconciler} sees them. On the executor's context. */
final class WarmPools implements PoolReconciler.Pools {
    private final Cluster cluster;
    private final LaunchFailures failures;
    private final InstanceLauncher launcher;
    private final RecoveryPacing pacing;

    WarmPools(Cluster cluster, LaunchFailures failures, InstanceLauncher launcher, RecoveryPacing pacing) {
        this.cluster = cluster;
        this.failures = failures;
        this.launcher = launcher;
        this.pacing = pacing;
    }

    @Override
    public Collection<Environment> environments() {
        return cluster.environments();
    }

    @Override
    public List<String> aliveNodes() {
        return cluster.aliveNodes();
    }

    @Override
    public Map<String, Integer> pooled(String environment) {
        return cluster.pooledByNode(environment);
    }

    @Override
    public Set<String> nodesStarting() {
        return cluster.nodesStartingPool();
    }

    @Override
    public boolean backingOff(String environment, Instant now) {
        return failures.poolBackingOff(environment, now);
    }

    @Override
    public boolean deferred(String what, Instant now) {
        return pacing.deferred(what, now);
    }

    @Override
    public void launch(Environment env, String node) {
        launcher.launchWarm(env, node);
    }
}
