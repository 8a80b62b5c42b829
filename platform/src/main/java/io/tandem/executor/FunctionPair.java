package io.tandem.executor;

import io.tandem.executor.standby.Action;
import io.tandem.executor.standby.PairReconciler;
import io.tandem.executor.standby.StandbyPlanner;
import io.tandem.model.Environment;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One function's active-standby pair, as {@link PairReconciler} sees it. Made for one reconciliation, on the executor's context. */
final class FunctionPair implements PairReconciler.Members {
    private static final Logger log = LoggerFactory.getLogger(FunctionPair.class);

    private final FunctionState fs;
    private final Environment env;
    private final Cluster cluster;
    private final InstanceLauncher launcher;
    private final PairSupervisor pairs;
    private final PairSupervisor.Pacing pacing;

    FunctionPair(FunctionState fs, Environment env, Cluster cluster, InstanceLauncher launcher, PairSupervisor pairs, PairSupervisor.Pacing pacing) {
        this.fs = fs;
        this.env = env;
        this.cluster = cluster;
        this.launcher = launcher;
        this.pairs = pairs;
        this.pacing = pacing;
    }

    @Override
    public String function() {
        return fs.name();
    }

    @Override
    public long epoch() {
        return fs.epoch;
    }

    @Override
    public List<PairReconciler.Copy> members(Action.Role role) {
        return cluster.liveMembers(fs.name(), role(role)).stream()
                .map(i -> new PairReconciler.Copy(i.id, i.node, i.ready(), i.generation == fs.generation())).toList();
    }

    @Override
    public Optional<String> startingNode(Action.Role role) {
        return cluster.startingNode(fs.name(), role(role));
    }

    @Override
    public List<String> nodesByLoad() {
        return cluster.loads().stream().sorted(Comparator.comparingInt(NodeSelector.NodeLoad::instances)
                .thenComparing(NodeSelector.NodeLoad::node)).map(NodeSelector.NodeLoad::node).toList();
    }

    @Override
    public StandbyPlanner planner() {
        return fs.planner;
    }

    @Override
    public String lostActive() {
        return fs.lostActive;
    }

    @Override
    public void forgetLostActive() {
        fs.lostActive = null;
    }

    @Override
    public boolean backingOff(Instant now) {
        return fs.backingOff(now);
    }

    @Override
    public boolean deferred(String what, Instant now) {
        return pacing.deferred(what, now);
    }

    @Override
    public void stop(String instanceId) {
        launcher.stop(cluster.instance(instanceId));
    }

    @Override
    public void promote(String instanceId, String why) {
        pairs.promote(fs, cluster.instance(instanceId), why);
    }

    /** Starts a member on {@code node}: a warm instance there is specialized (tens of ms), else one is launched. */
    @Override
    public void launch(Action.Role role, String node) {
        Role r = role(role);
        launcher.startMember(fs, env, r, node)
                .onFailure(e -> log.info("starting the {} of {} on {} failed: {}", r.wireName(), fs.name(), node, e.getMessage()));
    }

    @Override
    public void waiting(String why) {
        if (why != null && !why.equals(fs.waitingFor)) log.warn("{}", why);
        fs.waitingFor = why;
    }

    @Override
    public void warn(String warning) {
        fs.pairWarning = warning;
    }

    @Override
    public void stopReplicas() {
        pairs.stopMembers(fs, Role.REPLICA);
    }

    private static Role role(Action.Role role) {
        return role == Action.Role.ACTIVE ? Role.ACTIVE : Role.STANDBY;
    }
}
