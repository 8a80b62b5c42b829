package io.tandem.executor;

import io.tandem.agent.AgentEvent;
import io.tandem.agent.InstanceInfo;
import io.tandem.agent.NodeRegistration;
import io.tandem.agent.PrefetchRequest;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Environment;
import io.tandem.model.Function;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes belong to the cluster and which are alive: agents register, their event streams carry heartbeats
 * and instance exits, and a node whose heartbeats stop ({@link FailureDetector}), whose stream ends or that never
 * delivers its first event within the join grace is declared dead, with every instance it held. On the executor's
 * context only.
 */
final class NodeMembership {
    private static final Logger log = LoggerFactory.getLogger(NodeMembership.class);
    /** A node whose agent's process runs is declared dead on silence only after this long: busy is not dead. */
    private static final Duration NODE_HUNG = Duration.ofSeconds(10);

    /** What a change of membership asks of the executor. On its context. */
    interface Replanning {
        /** Whether the executor is stopping: a node's death then moves nothing. */
        boolean stopping();

        /** Re-plans every pool and function. */
        void reconcileAll();
    }

    private final Cluster cluster;
    private final ExecutorConfig config;
    private final ClusterEvents events;
    private final ExecutorMetrics metrics;
    private final InstanceLoss loss;
    private final Publication publication;
    private final AgentConnector connector;
    private final Replanning replanning;
    private final FailureDetector detector;

    NodeMembership(Cluster cluster, ExecutorConfig config, ClusterEvents events, ExecutorMetrics metrics, InstanceLoss loss,
                   Publication publication, AgentConnector connector, Replanning replanning) {
        this.cluster = cluster;
        this.config = config;
        this.events = events;
        this.metrics = metrics;
        this.loss = loss;
        this.publication = publication;
        this.connector = connector;
        this.replanning = replanning;
        this.detector = new FailureDetector(config.heartbeatInterval(), config.heartbeatMisses());
    }

    /** At each tick ({@code now}; the one before was at {@code previousCheck}): confirms or clears late nodes. */
    void checkHeartbeats(Instant now, Instant previousCheck) {
        for (Node n : List.copyOf(cluster.nodes())) {
            if (!n.alive) continue;
            if (n.streaming && detector.missedHeartbeats(n.lastHeartbeat, now, previousCheck)) confirmNodeDeath(n, now);
            else if (n.lateSince != null) nodeAnswersAgain(n, now);
            else if (!n.streaming && Duration.between(n.registered, now).compareTo(config.joinGrace()) > 0) {
                markDead(n, "no event stream within " + config.joinGrace());
            }
        }
    }

    /** Adds (or replaces) a node and opens its event stream; leftovers the agent still runs are stopped. */
    Future<Void> register(NodeRegistration reg) {
        Promise<Void> done = Promise.promise();
        {
            Node old = cluster.node(reg.name());
            if (old != null && old.alive && old.url.equals(reg.url()) && old.pid == reg.pid()) {
                done.complete();
                return done.future();
            }
            if (old != null && old.alive) markDead(old, "registered again");
            Node n = new Node(reg, connector.connect(reg), config.clock().instant());
            cluster.add(n);
            log.info("node {} registered at {} (pid {})", n.name, n.url, n.pid);
            events.emit(ClusterEvent.NODE_JOINED, null, n.name, null, "agent pid " + n.pid + " at " + n.url);
            n.client.events(e -> onEvent(n, e)).onComplete(ar -> {
                if (n.alive && cluster.node(n.name) == n) markDead(n, "event stream ended" + (ar.failed() ? ": " + ar.cause().getMessage() : ""));
            });
            n.client.list().onComplete(ar -> {
                if (ar.succeeded()) {
                    for (InstanceInfo info : ar.result()) {
                        if (cluster.knows(info.id())) continue;
                        events.emit(ClusterEvent.STALE_INSTANCE_STOPPED, info.function(), n.name, info.id(),
                                "pid " + info.pid() + " was still running on the node, but is no instance of this executor (left from before the node was declared dead, or from an earlier server)");
                        n.client.stop(info.id());
                    }
                }
                if (n.alive) {
                    cluster.functions().forEach(fs -> prefetch(n, fs.fn));
                    replanning.reconcileAll();
                }
                done.complete();
            });
        }
        return done.future();
    }

    private void onEvent(Node n, AgentEvent e) {
        if (!n.alive || cluster.node(n.name) != n) return;
        n.streaming = true;
        switch (e.type()) {
            case AgentEvent.HEARTBEAT -> n.lastHeartbeat = config.clock().instant();
            case AgentEvent.EXITED -> instanceExited(n, e.instanceId(), e.exitCode());
            default -> log.debug("ignoring event {} from {}", e.type(), n.name);
        }
    }

    private void instanceExited(Node n, String id, Integer exitCode) {
        Instance i = cluster.instance(id);
        if (i == null || !i.node.equals(n.name)) return;
        cluster.remove(i);
        InstanceState was = i.state;
        // Stopping or starting, it was not published: expected, or the launch reply handles it.
        if (was == InstanceState.STOPPING || was == InstanceState.STARTING) return;
        log.warn("instance {} ({}) on {} exited with {}", id, i.function == null ? "pool " + i.environment : i.function, n.name, exitCode);
        events.emit(ClusterEvent.INSTANCE_EXITED, i.function, n.name, id, "exit code " + exitCode + (i.pid > 0 ? " (pid " + i.pid + ")" : ""));
        loss.lose(i, InstanceLoss.Cause.exited(exitCode));
    }

    /**
     * A node missed its heartbeats: a suspicion. Its agent's process decides: gone or stopped (a frozen node), it is
     * dead; still running, it is busy, and only a silence past {@link #NODE_HUNG} makes it dead.
     */
    private void confirmNodeDeath(Node n, Instant now) {
        String missed = "missed " + config.heartbeatMisses() + " heartbeats";
        ProcessStates.State agent = config.processes().of(n.pid);
        switch (agent) {
            case GONE -> markDead(n, missed + "; its agent's process is gone");
            case STOPPED -> markDead(n, missed + "; its agent's process is stopped");
            case UNKNOWN -> markDead(n, missed);
            case RUNNING -> {
                Duration silent = Duration.between(n.lastHeartbeat, now);
                if (silent.compareTo(NODE_HUNG) > 0) {
                    markDead(n, "no heartbeat for " + silent.toMillis() + " ms although its agent's process runs: hung");
                } else if (n.lateSince == null) {
                    n.lateSince = now;
                    log.info("node {} {}, but its agent's process runs: busy, not dead", n.name, missed);
                    events.emit(ClusterEvent.NODE_LATE, null, n.name, null, missed + " but its agent's process (pid " + n.pid
                            + ") runs: busy, not dead; declared dead only after " + NODE_HUNG.toSeconds() + " s of silence");
                }
            }
        }
    }

    private void nodeAnswersAgain(Node n, Instant now) {
        log.info("node {} sends heartbeats again after {} ms late", n.name, Duration.between(n.lateSince, now).toMillis());
        n.lateSince = null;
    }

    private void markDead(Node n, String reason) {
        n.alive = false;
        n.lost.tryComplete();
        if (replanning.stopping()) return;
        log.warn("node {} is dead: {}", n.name, reason);
        Set<String> affected = new HashSet<>();
        int lostInstances = 0;
        for (Instance i : cluster.onNode(n.name)) {
            cluster.remove(i);
            lostInstances++;
            if (i.function != null) affected.add(i.function);
            FunctionState fs = cluster.functionOf(i);
            if (fs == null || i.stopping()) continue;
            loss.book(i, fs, InstanceLoss.Cause.nodeDead(n.name, reason));
        }
        metrics.nodeDied(n.name);
        events.emit(ClusterEvent.NODE_DEAD, null, n.name, null, reason + "; " + lostInstances + " instance" + (lostInstances == 1 ? "" : "s") + " lost");
        n.client.close();
        // Re-planning first promotes the standbys of lost actives, so the router never sees those functions empty.
        replanning.reconcileAll();
        affected.forEach(publication::republish);
    }

    /**
     * Puts the function's code on the node before its first call needs it: that call then pays for
     * specialization only. Best effort; the specialization fetches it anyway if this failed.
     */
    void prefetch(Node n, Function fn) {
        Environment env = cluster.environment(fn.spec().environment());
        if (env == null) return;
        n.client.prefetch(new PrefetchRequest(fn.spec().code(), env.spec().runtime(), config.packagesUrl()))
                .onFailure(e -> log.debug("prefetching the code of {} on {} failed: {}", fn.name(), n.name, e.toString()));
    }
}
