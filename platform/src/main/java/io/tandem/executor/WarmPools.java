package io.tandem.executor;

import io.tandem.executor.pool.IdleReaper;
import io.tandem.executor.pool.PoolReconciler;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Durations;
import io.tandem.model.Environment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The warm pools as {@link PoolReconciler} sees them. On the executor's context. */
final class WarmPools implements PoolReconciler.Pools {
    private static final Logger log = LoggerFactory.getLogger(WarmPools.class);

    private final Cluster cluster;
    private final ClusterEvents events;
    private final LaunchFailures failures;
    private final InstanceLauncher launcher;
    private final RecoveryPacing pacing;
    private final FirstCalls firstCalls;

    WarmPools(Cluster cluster, ClusterEvents events, LaunchFailures failures, InstanceLauncher launcher, RecoveryPacing pacing,
              FirstCalls firstCalls) {
        this.cluster = cluster;
        this.events = events;
        this.failures = failures;
        this.launcher = launcher;
        this.pacing = pacing;
        this.firstCalls = firstCalls;
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
    public boolean firstCallPending(String node, Instant now) {
        return firstCalls.pendingOn(node, now);
    }

    @Override
    public boolean deferred(String what, Instant now) {
        return pacing.deferred(what, now);
    }

    @Override
    public void launch(Environment env, String node) {
        launcher.launchWarm(env, node);
    }

    @Override
    public List<IdleReaper.Candidate> specialized() {
        List<IdleReaper.Candidate> candidates = new ArrayList<>();
        for (Instance i : cluster.instances()) {
            FunctionState fs = cluster.functionOf(i);
            if (fs == null || fs.keptRunning() || i.role != Role.REPLICA || !i.ready()) continue;
            candidates.add(new IdleReaper.Candidate(i.id, i.lastUsed, fs.fn.spec().idleTimeout()));
        }
        return candidates;
    }

    @Override
    public void reap(String instanceId) {
        Instance i = cluster.instance(instanceId);
        log.info("reaping idle instance {} of {}", instanceId, i.function);
        events.emit(ClusterEvent.REAPED, i.function, i.node, i.id, "idle since " + i.lastUsed + " (idle timeout "
                + Durations.format(cluster.functionOf(i).fn.spec().idleTimeout()) + ")");
        launcher.stop(i);
    }
}
