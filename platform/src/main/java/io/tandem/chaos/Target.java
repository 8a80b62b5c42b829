package io.tandem.chaos;

/**
 * One process chaos signals. {@code kind}: {@code instance} (an instance in the status), {@code agent} (a node's
 * agent), {@code process} (another descendant of an agent) or {@code controller} (the server's controller process);
 * {@code function} and {@code role} only for instances.
 */
public record Target(String kind, String name, String function, String node, String role, long pid) {
    static Target of(ClusterStatus.Instance i) {
        return new Target("instance", i.id(), i.function(), i.node(), i.role(), i.pid());
    }

    static Target agent(ClusterStatus.Node n) {
        return new Target("agent", n.name(), null, n.name(), null, n.pid());
    }

    static Target controller(long pid) {
        return new Target("controller", "controller", null, null, null, pid);
    }

    static Target descendant(String node, long pid) {
        return new Target("process", "pid " + pid, null, node, null, pid);
    }
}
