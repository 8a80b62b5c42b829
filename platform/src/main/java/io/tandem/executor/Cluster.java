package io.tandem.executor;

import io.tandem.model.Environment;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the executor knows of the cluster: its nodes, their instances, the environments and the functions, with the
 * questions the executor asks of them. Changed on the executor's context only; the maps are concurrent so the
 * status and the cluster view may read them from any thread, a few microseconds old. Every query answers a copy,
 * which a caller may keep while it changes the cluster.
 */
final class Cluster {
    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private final Map<String, Instance> instances = new ConcurrentHashMap<>();
    private final Map<String, Environment> environments = new ConcurrentHashMap<>();
    private final Map<String, FunctionState> functions = new ConcurrentHashMap<>();

    // ---- nodes -------------------------------------------------------------------------------------------

    Node node(String name) {
        return nodes.get(name);
    }

    Collection<Node> nodes() {
        return nodes.values();
    }

    void add(Node n) {
        nodes.put(n.name, n);
    }

    /** The names of the live nodes, sorted. */
    List<String> aliveNodes() {
        return nodes.values().stream().filter(n -> n.alive).map(n -> n.name).sorted().toList();
    }

    List<Node> liveNodes() {
        return nodes.values().stream().filter(n -> n.alive).toList();
    }

    boolean isAlive(String node) {
        Node n = nodes.get(node);
        return n != null && n.alive;
    }

    /** Each live node with the count of instances it holds, whatever their state. */
    List<NodeSelector.NodeLoad> loads() {
        Map<String, Integer> counts = new HashMap<>();
        for (Instance i : instances.values()) counts.merge(i.node, 1, Integer::sum);
        return aliveNodes().stream().map(n -> new NodeSelector.NodeLoad(n, counts.getOrDefault(n, 0))).toList();
    }

    // ---- instances ---------------------------------------------------------------------------------------

    Instance instance(String id) {
        return instances.get(id);
    }

    /** Whether {@code i} is still the instance known under its id (not removed, not replaced). */
    boolean holds(Instance i) {
        return instances.get(i.id) == i;
    }

    boolean knows(String id) {
        return instances.containsKey(id);
    }

    void add(Instance i) {
        instances.put(i.id, i);
    }

    void remove(Instance i) {
        instances.remove(i.id, i);
    }

    void clearInstances() {
        instances.clear();
    }

    List<Instance> instances() {
        return List.copyOf(instances.values());
    }

    /** Every instance, sorted by id: the order the cluster view shows. */
    List<Instance> instancesById() {
        return instances.values().stream().sorted(Comparator.comparing(i -> i.id)).toList();
    }

    /** The instances that hold or load {@code function}, whatever their role and state. */
    List<Instance> instancesOf(String function) {
        return instances.values().stream().filter(i -> i.serves(function)).toList();
    }

    /** The instances of {@code function} in {@code role} that are not being stopped. */
    List<Instance> liveMembers(String function, Role role) {
        return instances.values().stream().filter(i -> i.serves(function) && i.role == role && !i.stopping()).toList();
    }

    /** The ready instances of {@code function} in {@code role}. */
    List<Instance> readyMembers(String function, Role role) {
        return instances.values().stream().filter(i -> i.serves(function) && i.role == role && i.ready()).toList();
    }

    /** The node of an instance of {@code function} starting in {@code role}, if any. */
    Optional<String> startingNode(String function, Role role) {
        return instances.values().stream().filter(i -> i.serves(function) && i.role == role && i.starting())
                .map(i -> i.node).findFirst();
    }

    /** The nodes holding an instance of {@code function}. */
    Set<String> nodesOf(String function) {
        Set<String> out = new HashSet<>();
        for (Instance i : instances.values()) if (i.serves(function)) out.add(i.node);
        return out;
    }

    List<Instance> onNode(String node) {
        return instances.values().stream().filter(i -> i.node.equals(node)).toList();
    }

    /** The generic instances of {@code environment}'s pool, whatever their state. */
    List<Instance> poolOf(String environment) {
        return instances.values().stream().filter(i -> i.role == Role.POOL && environment.equals(i.environment)).toList();
    }

    /** The ready generic instances of {@code environment} on live nodes: the ones a function can be loaded into. */
    List<Instance> warm(String environment) {
        return instances.values().stream()
                .filter(i -> i.role == Role.POOL && i.ready() && environment.equals(i.environment) && isAlive(i.node)).toList();
    }

    /** A ready generic instance of {@code environment} on {@code node}. */
    Optional<Instance> warmOn(String environment, String node) {
        return instances.values().stream()
                .filter(i -> i.role == Role.POOL && i.ready() && environment.equals(i.environment) && i.node.equals(node)).findFirst();
    }

    /** Per node, the generic instances of {@code environment} that are not being stopped. */
    Map<String, Integer> pooledByNode(String environment) {
        Map<String, Integer> pooled = new HashMap<>();
        for (Instance i : instances.values()) {
            if (i.role == Role.POOL && environment.equals(i.environment) && !i.stopping()) pooled.merge(i.node, 1, Integer::sum);
        }
        return pooled;
    }

    /** The nodes where a generic instance is starting. */
    Set<String> nodesStartingPool() {
        Set<String> out = new HashSet<>();
        for (Instance i : instances.values()) if (i.role == Role.POOL && i.starting()) out.add(i.node);
        return out;
    }

    int readyPoolInstances() {
        return (int) instances.values().stream().filter(i -> i.role == Role.POOL && i.ready()).count();
    }

    int startingInstances() {
        return (int) instances.values().stream().filter(Instance::starting).count();
    }

    // ---- environments and functions ----------------------------------------------------------------------

    Environment environment(String name) {
        return environments.get(name);
    }

    Collection<Environment> environments() {
        return environments.values();
    }

    /** Stores {@code env} (or removes it when {@code deleted}); answers the one it replaced. */
    Environment apply(Environment env, boolean deleted) {
        return deleted ? environments.remove(env.name()) : environments.put(env.name(), env);
    }

    FunctionState function(String name) {
        return functions.get(name);
    }

    /** The state of the function {@code i} holds, or null for a generic instance or a deleted function. */
    FunctionState functionOf(Instance i) {
        String fn = i.function;
        return fn == null ? null : functions.get(fn);
    }

    Collection<FunctionState> functions() {
        return functions.values();
    }

    void add(FunctionState fs) {
        functions.put(fs.name(), fs);
    }

    FunctionState removeFunction(String name) {
        return functions.remove(name);
    }
}
