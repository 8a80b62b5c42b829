package io.tandem.chaos;

import io.tandem.client.TandemClient;
import io.tandem.http.ApiException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Injects the failures Tandem must survive into a cluster whose processes run on this machine: an instance crash
 * ({@link #killInstance}), a node crash ({@link #killNode}) and a node hang ({@link #freezeNode}). Targets come
 * from the server's status; the signals go straight to the processes, so the cluster learns of the failure the way
 * it would of a real one. {@link #killController} crashes the control plane instead: the server restarts it, and the
 * functions keep serving meanwhile. Thread-safe; every method reads a fresh status.
 *
 * <pre>{@code
 * Chaos chaos = Chaos.local(client);
 * KillResult killed = chaos.killInstance("hello");          // its active instance, or any ready one
 * try (Freeze frozen = chaos.freezeNode("n2")) { ... }      // SIGCONT on close
 * }</pre>
 */
public final class Chaos {
    /** How long a SIGKILLed process may take to disappear before the kill counts as failed. */
    static final Duration GONE_WITHIN = Duration.ofSeconds(5);

    private final TandemClient client;
    private final InstantSource clock;

    Chaos(TandemClient client, InstantSource clock) {
        this.client = client;
        this.clock = clock;
    }

    /** Chaos on the server {@code client} talks to, whose agents and instances are processes of this machine. */
    public static Chaos local(TandemClient client) {
        return new Chaos(client, InstantSource.system());
    }

    /** The status chaos picks its targets from. */
    public ClusterStatus status() {
        return ClusterStatus.fromJson(client.get("/v1/status"));
    }

    /** SIGKILLs the function's active instance, or, when it has no active one, any ready instance. */
    public KillResult killInstance(String function) {
        return killInstance(function, null);
    }

    /**
     * SIGKILLs a ready instance of {@code function} with {@code role} (active, standby, replica, pool, or {@code any};
     * null as in {@link #killInstance(String)}) and waits until its process is gone.
     *
     * @throws ChaosException when the function does not exist, has no ready instance of that role (the message lists
     *                        the roles it has), or the process does not die within 5 seconds
     */
    public KillResult killInstance(String function, String role) {
        ClusterStatus status = status();
        requireFunction(status, function);
        return killOne(Targets.instance(status, function, role));
    }

    /** SIGKILLs the instance {@code instanceId} of {@code function} and waits until its process is gone. */
    public KillResult killInstanceById(String function, String instanceId) {
        ClusterStatus status = status();
        requireFunction(status, function);
        return killOne(Targets.instanceById(status, function, instanceId));
    }

    /**
     * Crashes a node: SIGKILLs its instances, every other descendant of its agent, then the agent, back to back, and
     * waits until all are gone. The targets list the instances first and the agent last.
     *
     * @throws ChaosException when the node is unknown (the message lists the nodes) or already dead
     */
    public KillResult killNode(String node) {
        List<Target> targets = nodeTargets(node);
        long at = clock.millis();
        Signals.kill(pids(targets));
        return new KillResult("kill-node", "SIGKILL", targets, at, awaitGone(targets));
    }

    /**
     * Hangs a node: SIGSTOPs its agent, its instances and the agent's other descendants until the returned
     * {@link Freeze} is thawed (or closed, or this JVM exits).
     */
    public Freeze freezeNode(String node) {
        return Freeze.start(node, nodeTargets(node), clock);
    }

    /** Hangs a node for {@code duration} (see {@link #freezeNode(String)}); thaws it even when interrupted. */
    public FreezeResult freezeNode(String node, Duration duration) throws InterruptedException {
        try (Freeze frozen = freezeNode(node)) {
            Thread.sleep(duration);
            return frozen.thaw();
        }
    }

    /**
     * SIGKILLs the controller process (the API and the store; the server starts it again) and waits until it is
     * gone. Its pid comes from the status the controller itself answers.
     *
     * @throws ChaosException when the status names no controller process on this machine, or it does not die within
     *                        5 seconds
     */
    public KillResult killController() {
        long pid = client.get("/v1/status").path("controller").path("pid").asLong();
        if (pid <= 0 || !Signals.alive(pid)) {
            throw new ChaosException("the server reports no controller process running on this machine"
                    + (pid > 0 ? " (pid " + pid + " has exited)" : "") + ": is it a server of this version, started with 'tandem server'?");
        }
        if (pid == ProcessHandle.current().pid()) {
            throw new ChaosException("the controller runs inside this process (pid " + pid + "): killing it would kill the caller");
        }
        Target target = Target.controller(pid);
        long at = clock.millis();
        Signals.kill(List.of(pid));
        return new KillResult("kill-controller", "SIGKILL", List.of(target), at, awaitGone(List.of(target)));
    }

    private KillResult killOne(ClusterStatus.Instance instance) {
        if (!Signals.alive(instance.pid())) {
            throw new ChaosException("instance " + instance.id() + " of function '" + instance.function() + "' is not running: pid "
                    + instance.pid() + " has exited and the server has not noticed yet; see 'tandem status' in a moment");
        }
        Target target = Target.of(instance);
        long at = clock.millis();
        Signals.kill(List.of(instance.pid()));
        return new KillResult("kill-instance", "SIGKILL", List.of(target), at, awaitGone(List.of(target)));
    }

    private List<Target> nodeTargets(String node) {
        Targets.NodeTargets chosen = Targets.node(status(), node);
        if (!Signals.alive(chosen.node().pid())) throw Targets.alreadyDead(node);
        Map<Long, Target> byPid = new LinkedHashMap<>();
        for (ClusterStatus.Instance i : chosen.instances()) {
            if (Signals.alive(i.pid())) byPid.put(i.pid(), Target.of(i));
        }
        for (long pid : Signals.descendants(chosen.node().pid())) byPid.putIfAbsent(pid, Target.descendant(node, pid));
        byPid.put(chosen.node().pid(), Target.agent(chosen.node()));
        return new ArrayList<>(byPid.values());
    }

    private void requireFunction(ClusterStatus status, String function) {
        if (!status.instancesOf(function).isEmpty()) return;
        try {
            client.get("/v1/functions/" + TandemClient.encode(function));
        } catch (ApiException e) {
            if (e.status() == 404) throw Targets.noSuchFunction(function);
            throw e;
        }
        throw Targets.noInstances(function);
    }

    private long awaitGone(List<Target> targets) {
        List<Long> left;
        try {
            left = Signals.awaitGone(pids(targets), GONE_WITHIN);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChaosException("interrupted while waiting for " + pids(targets) + " to die after SIGKILL");
        }
        if (!left.isEmpty()) {
            throw new ChaosException("sent SIGKILL but " + left + " still run after " + GONE_WITHIN.toSeconds()
                    + "s: check them with 'ps -o pid,stat,cmd -p " + left.getFirst() + "'");
        }
        return clock.millis();
    }

    private static List<Long> pids(List<Target> targets) {
        return targets.stream().map(Target::pid).toList();
    }
}
