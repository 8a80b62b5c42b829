package io.tandem.executor;

import io.tandem.executor.deploy.ReplicaPlanner;
import io.tandem.executor.deploy.ReplicaReconciler;
import io.tandem.model.Environment;
import io.tandem.model.Strategy;
import java.util.List;

/** One function's replicas, as {@link ReplicaReconciler} sees them. Made for one reconciliation, on the executor's context. */
final class FunctionReplicas implements ReplicaReconciler.Replicas {
    private final FunctionState fs;
    private final Environment env;
    private final Cluster cluster;
    private final InstanceLauncher launcher;
    private final PairSupervisor pairs;

    FunctionReplicas(FunctionState fs, Environment env, Cluster cluster, InstanceLauncher launcher, PairSupervisor pairs) {
        this.fs = fs;
        this.env = env;
        this.cluster = cluster;
        this.launcher = launcher;
        this.pairs = pairs;
    }

    @Override
    public String function() {
        return fs.name();
    }

    @Override
    public int wanted() {
        return fs.replicaCount();
    }

    @Override
    public long generation() {
        return fs.generation();
    }

    @Override
    public boolean replicate() {
        return fs.strategy() == Strategy.REPLICATE;
    }

    @Override
    public List<ReplicaPlanner.Replica> current() {
        return cluster.liveMembers(fs.name(), Role.REPLICA).stream()
                .map(i -> new ReplicaPlanner.Replica(i.id, i.node, i.generation, i.ready())).toList();
    }

    @Override
    public void stop(String instanceId) {
        launcher.stop(cluster.instance(instanceId));
    }

    @Override
    public void launch() {
        launcher.launch(fs, env, Role.REPLICA, null);
    }

    @Override
    public void stopPairMembers() {
        pairs.stopMembers(fs, Role.ACTIVE, Role.STANDBY);
    }

    @Override
    public void warn(String warning) {
        fs.pairWarning = warning;
    }
}
