package io.tandem.executor;

import java.util.Comparator;
import java.util.List;
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
}
