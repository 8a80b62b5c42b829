package io.tandem.chaos;

import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Decides which processes a chaos action hits, from a status alone (acting is {@link Chaos}'s). Every refusal is a
 * {@link ChaosException} whose message names what exists, so the user can correct the command.
 */
final class Targets {
    /** The roles instances have on the wire. */
    static final List<String> ROLES = List.of("active", "standby", "replica", "pool");
    /** Picks an instance whatever its role. */
    static final String ANY = "any";

    private Targets() {
    }

    /**
     * The instance of {@code function} to kill. With {@code role} null: an active instance if the function has one,
     * else any ready instance. With a role: a ready instance of that role ({@code any} for all roles). The first by
     * id wins, so a repeated command on an unchanged cluster hits the same instance.
     */
    static ClusterStatus.Instance instance(ClusterStatus status, String function, String role) {
        if (role != null && !role.equals(ANY) && !ROLES.contains(role)) {
            throw new IllegalArgumentException("unknown role '" + role + "': use one of " + String.join(", ", ROLES) + " or " + ANY);
        }
        List<ClusterStatus.Instance> all = sorted(status.instancesOf(function));
        if (all.isEmpty()) throw noInstances(function);
        String wanted = role != null ? role : all.stream().anyMatch(i -> i.role().equals("active")) ? "active" : ANY;
        List<ClusterStatus.Instance> ofRole = wanted.equals(ANY) ? all : all.stream().filter(i -> i.role().equals(wanted)).toList();
        if (ofRole.isEmpty()) {
            throw new ChaosException("function '" + function + "' has no instance with role " + wanted + "; its instances have role "
                    + String.join(", ", roles(all)) + ": use --role " + roles(all).first() + " or --role any");
        }
        return ofRole.stream().filter(ClusterStatus.Instance::ready).findFirst().orElseThrow(() -> new ChaosException(
                "no " + (wanted.equals(ANY) ? "" : wanted + " ") + "instance of function '" + function + "' is ready ("
                        + ofRole.stream().map(i -> i.id() + " is " + i.state()).collect(Collectors.joining(", "))
                        + "): wait until 'tandem status' shows one ready"));
    }

    /** The instance of {@code function} with this id; refused when it has no process. */
    static ClusterStatus.Instance instanceById(ClusterStatus status, String function, String id) {
        List<ClusterStatus.Instance> all = sorted(status.instancesOf(function));
        if (all.isEmpty()) throw noInstances(function);
        ClusterStatus.Instance found = all.stream().filter(i -> i.id().equals(id)).findFirst().orElseThrow(() -> new ChaosException(
                "function '" + function + "' has no instance " + id + "; its instances are "
                        + all.stream().map(ClusterStatus.Instance::id).collect(Collectors.joining(", ")) + " (see 'tandem status')"));
        if (found.pid() <= 0) {
            throw new ChaosException("instance " + id + " of function '" + function + "' is not running (state " + found.state()
                    + ", no process yet): wait until 'tandem status' shows it ready");
        }
        return found;
    }

    /**
     * A node and the instances the status places on it. Refused when the node is unknown or already dead; the
     * agent's other descendants are found by the caller, which sees the processes.
     */
    static NodeTargets node(ClusterStatus status, String node) {
        ClusterStatus.Node n = status.node(node).orElseThrow(() -> new ChaosException("no node '" + node + "'; the nodes are "
                + (status.nodes().isEmpty() ? "none (is the server starting?)" : status.nodes().stream().map(ClusterStatus.Node::name)
                .collect(Collectors.joining(", "))) + " (see 'tandem status')"));
        if (n.dead()) throw alreadyDead(node);
        if (n.pid() <= 0) throw new ChaosException("node '" + node + "' reports no agent pid, so it does not run on this machine");
        List<ClusterStatus.Instance> instances = sorted(status.instancesOn(node)).stream().filter(i -> i.pid() > 0).toList();
        return new NodeTargets(n, instances);
    }

    static ChaosException alreadyDead(String node) {
        return new ChaosException("node '" + node + "' is already dead: pick a live node from 'tandem status'");
    }

    static ChaosException noInstances(String function) {
        return new ChaosException("function '" + function + "' has no instances: call it once ('tandem fn test --name "
                + function + "') or wait until 'tandem status' lists one");
    }

    static ChaosException noSuchFunction(String function) {
        return new ChaosException("no function '" + function + "': see 'tandem fn list' for the functions");
    }

    record NodeTargets(ClusterStatus.Node node, List<ClusterStatus.Instance> instances) {
    }

    private static List<ClusterStatus.Instance> sorted(List<ClusterStatus.Instance> instances) {
        return instances.stream().sorted(Comparator.comparing(ClusterStatus.Instance::id)).toList();
    }

    private static TreeSet<String> roles(List<ClusterStatus.Instance> instances) {
        return instances.stream().map(ClusterStatus.Instance::role).collect(Collectors.toCollection(TreeSet::new));
    }
}
