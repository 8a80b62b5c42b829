package io.tandem.executor;

import java.time.Instant;
import java.util.List;

/** JSON-ready views of the executor's state, as {@code tandem status} and {@code tandem fn get} show them. */
public final class ExecutorStatus {
    private ExecutorStatus() {
    }

    /** {@code state}: alive or dead. */
    public record NodeStatus(String name, String url, String state, long pid, Instant lastHeartbeat) {
    }

    /** {@code role}: pool, replica, active or standby; {@code epoch}: the active's, else 0; {@code state}: starting, ready, specializing, stopping. */
    public record InstanceStatus(String id, String function, String environment, String node, String role, String state,
                                 long pid, int port, long epoch) {
    }

    /** {@code warnings}: what the cluster does not cover now, such as a pair on one node. */
    public record Cluster(List<NodeStatus> nodes, List<InstanceStatus> instances, List<String> warnings) {
    }

    /** {@code error}: the last launch or load failure, until an instance of the function starts again. */
    public record Function(String name, String executor, String error, Instant errorAt, Instant retryAt, int failures,
                           List<InstanceStatus> instances) {
    }
}
