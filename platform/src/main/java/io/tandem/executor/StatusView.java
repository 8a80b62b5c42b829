package io.tandem.executor;

import io.tandem.model.Environment;
import io.tandem.model.Runtime;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The executor's state as the cluster view and the metrics show it. Any thread: reads the concurrent maps. */
final class StatusView {
    private StatusView() {
    }

    static ExecutorStatus.Cluster cluster(Cluster cluster, Publication publication) {
        List<ExecutorStatus.NodeStatus> ns = cluster.nodes().stream().sorted(Comparator.comparing(n -> n.name))
                .map(n -> new ExecutorStatus.NodeStatus(n.name, n.url, n.alive ? "alive" : "dead", n.pid, n.lastHeartbeat)).toList();
        List<ExecutorStatus.InstanceStatus> is = cluster.instancesById().stream().map(i -> instance(i, publication)).toList();
        List<String> warnings = cluster.functions().stream().map(fs -> fs.pairWarning).filter(Objects::nonNull).sorted().toList();
        return new ExecutorStatus.Cluster(ns, is, warnings);
    }

    static ExecutorStatus.Function function(Cluster cluster, Publication publication, String function) {
        FunctionState fs = cluster.function(function);
        if (fs == null) return null;
        List<ExecutorStatus.InstanceStatus> is = cluster.instancesOf(function).stream()
                .sorted(Comparator.comparing(i -> i.id)).map(i -> instance(i, publication)).toList();
        return new ExecutorStatus.Function(function, fs.fn.spec().executor().wireName(), fs.lastError, fs.errorAt, fs.retryAt, fs.failures, is);
    }

    private static ExecutorStatus.InstanceStatus instance(Instance i, Publication publication) {
        return new ExecutorStatus.InstanceStatus(i.id, i.function, i.environment, i.node, i.role.wireName(), i.state.wireName(), i.pid, i.port, publication.epochOf(i));
    }

    /** What is still warming up, as "2 of 4 warm instances ready", or null once every pool is full and ready. */
    static String warmingUp(Cluster cluster) {
        if (cluster.environments().isEmpty()) return "waiting for the environments";
        int wanted = 0;
        int alive = cluster.aliveNodes().size();
        for (Environment env : cluster.environments()) {
            if (env.spec().runtime() != Runtime.HTTP) wanted += env.spec().poolSize() * alive;
        }
        int ready = cluster.readyPoolInstances();
        int starting = cluster.startingInstances();
        if (ready >= wanted && starting == 0) return null;
        return ready + " of " + wanted + " warm instances ready" + (starting > 0 ? ", " + starting + " starting" : "");
    }

    /** Each environment's warm pool size per node; http environments keep no pool. */
    static Map<String, Integer> poolSizes(Cluster cluster) {
        Map<String, Integer> poolSizes = new HashMap<>();
        for (Environment env : cluster.environments()) {
            if (env.spec().runtime() != Runtime.HTTP) poolSizes.put(env.name(), env.spec().poolSize());
        }
        return poolSizes;
    }
}
