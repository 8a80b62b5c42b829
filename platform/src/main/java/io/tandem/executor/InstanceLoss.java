package io.tandem.executor;

import io.tandem.model.ClusterEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * The one path an instance lost unasked takes, whatever saw it go: its agent reported its exit, its node was
 * declared dead, the router could not reach it, or its probes failed. On the executor's context only.
 *
 * <p>The order, the same for every cause: the failover is counted while the instance still shows its state; it is
 * taken out of service (its agent told to stop it when its process may still run) without publishing yet; the loss
 * is booked (a lost active for the pair's promotion and crash-loop count, with a fencing event when it may still
 * run; a replica for its replacement's event; an early exit for the crash-loop back-off); then the function is
 * re-planned, which promotes a standby at once; only then are its endpoints published. The router thus goes from
 * the lost instance straight to its replacement and never sees the function without an endpoint in between.
 */
final class InstanceLoss {
    /** What a loss asks of the executor. On its context. */
    interface Reactions {
        /** Marks {@code i} stopping and has its agent stop it; publishes nothing. */
        void stop(Instance i);

        /** Until when the lease of the active {@code i} of {@code fs} runs. */
        Instant leaseUntil(FunctionState fs, Instance i);

        void reconcileFunction(FunctionState fs);

        void republish(String function);

        void reconcilePools();

        /** The function crash-loops ({@code why}): it backs off. */
        void crashLoop(FunctionState fs, String why);

        /** A warm instance of {@code environment} crashed early ({@code why}): the pool backs off. */
        void poolFailure(String environment, String why);
    }

    /** What saw the instance go. */
    enum Kind {
        EXITED("exited"), NODE_DEAD("node-dead"), UNREACHABLE("unreachable"), UNRESPONSIVE("unresponsive");

        /** The reason the failover metric carries. */
        final String metric;

        Kind(String metric) {
            this.metric = metric;
        }
    }

    /**
     * One cause of a loss. {@code activeWhy} explains a lost active (in the promotion's event), {@code replicaWhy}
     * a lost replica (in its replacement's event); {@code mayStillRun}: its process may still run, so it is fenced.
     */
    record Cause(Kind kind, String activeWhy, String replicaWhy, boolean mayStillRun, Integer exitCode) {
        static Cause exited(Integer exitCode) {
            return new Cause(Kind.EXITED, "exited with " + exitCode, "exited with " + exitCode, false, exitCode);
        }

        static Cause nodeDead(String node, String reason) {
            return new Cause(Kind.NODE_DEAD, "node dead: " + reason, "node " + node + " dead", true, null);
        }

        static Cause unreachable() {
            return new Cause(Kind.UNREACHABLE, "unreachable from the router", "unreachable", true, null);
        }

        static Cause unresponsive(String why, boolean mayStillRun) {
            return new Cause(Kind.UNRESPONSIVE, "probe: " + why, "probe: " + why, mayStillRun, null);
        }

        /** Whether the instance is still to be stopped: its agent did not report it gone, nor is its node dead. */
        boolean stopsIt() {
            return kind == Kind.UNREACHABLE || kind == Kind.UNRESPONSIVE;
        }
    }

    /** At most this many lost replicas are remembered for their replacements' events. */
    private static final int LOST_REMEMBERED = 16;

    private final Cluster cluster;
    private final ClusterEvents events;
    private final ExecutorMetrics metrics;
    private final InstantSource clock;
    private final Duration crashWindow;
    private final Duration failureMemory;
    private final Reactions reactions;

    InstanceLoss(Cluster cluster, ClusterEvents events, ExecutorMetrics metrics, InstantSource clock, Duration crashWindow,
                 Duration failureMemory, Reactions reactions) {
        this.cluster = cluster;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
        this.crashWindow = crashWindow;
        this.failureMemory = failureMemory;
        this.reactions = reactions;
    }

    /**
     * {@code i} was lost ({@code cause}); an exited one is already out of the cluster. Books it, re-plans its
     * function and publishes. Not for an instance being stopped or started: that one was not published.
     */
    void lose(Instance i, Cause cause) {
        FunctionState fs = cluster.functionOf(i);
        book(i, fs, cause);
        // Re-planned before it is unpublished, so a lost active's function goes straight to its promoted standby and
        // the router never sees it without an endpoint in between.
        if (fs != null) reactions.reconcileFunction(fs);
        if (i.function != null) reactions.republish(i.function);
        if (cause.kind() == Kind.EXITED && i.role == Role.POOL) reactions.reconcilePools();
    }

    /**
     * Books one lost instance without re-planning: for a dead node, which re-plans once for all it held. {@code fs}
     * is the state of its function, or null for a warm instance (or a deleted function).
     */
    void book(Instance i, FunctionState fs, Cause cause) {
        Instant now = clock.instant();
        if (fs != null) failedOver(fs, i, cause.kind().metric);
        // An exit counts an active that was still loading its function as a lost active too; the other causes only
        // a ready one.
        boolean active = fs != null && i.role == Role.ACTIVE && (i.ready() || cause.kind() == Kind.EXITED);
        if (active && cause.stopsIt() && cause.mayStillRun()) {
            long left = Math.max(0, Duration.between(now, reactions.leaseUntil(fs, i)).toMillis());
            events.emit(ClusterEvent.FENCED, fs.name(), i.node, i.id, "former active at epoch " + fs.epoch + " is fenced: it refuses requests once its"
                    + " lease lapses (in " + left + " ms) and is being stopped");
        }
        if (cause.stopsIt()) reactions.stop(i);
        if (active) {
            fs.activeLost(i, cause.activeWhy(), now);
            // A node declared dead may only be frozen: its processes can wake up, but without a lease.
            if (cause.kind() == Kind.NODE_DEAD) {
                events.emit(ClusterEvent.FENCED, fs.name(), i.node, i.id, "former active at epoch " + fs.epoch
                        + " is fenced: should its node wake up, it refuses every request (its lease lapsed) and is stopped when the node registers again");
            }
        } else if (fs != null) {
            noteLost(fs, i, cause.replicaWhy());
        }
        if (cause.kind() == Kind.EXITED) earlyExit(i, fs, cause.exitCode(), now);
    }

    /**
     * One early exit may be a kill (an operator, a chaos test, the OOM killer): replaced at once. A second within the
     * failure memory is a crash loop, and backs off.
     */
    private void earlyExit(Instance i, FunctionState fs, Integer exitCode, Instant now) {
        if (i.readyAt == null || Duration.between(i.readyAt, now).compareTo(crashWindow) >= 0) return;
        String why = "instance " + i.id + " exited with code " + exitCode + " within " + crashWindow.toSeconds() + " s of starting";
        if (fs != null && fs.earlyExitAt != null && Duration.between(fs.earlyExitAt, now).compareTo(failureMemory) < 0) {
            reactions.crashLoop(fs, "function '" + fs.name() + "' crashed: " + why);
        }
        if (fs != null) fs.earlyExitAt = now;
        if (i.role == Role.POOL) reactions.poolFailure(i.environment, why);
    }

    /** A replica of {@code fs} was lost unexpectedly: the next one started for it is its replacement. */
    private static void noteLost(FunctionState fs, Instance i, String why) {
        if (!fs.keptRunning() || i.role == Role.POOL) return;
        fs.lost.addLast(i.id + " on " + i.node + " (" + why + ")");
        while (fs.lost.size() > LOST_REMEMBERED) fs.lost.removeFirst();
    }

    /**
     * A ready instance serving {@code fs} (its active or a replica; a standby serves nothing) was lost unasked: a
     * failover, whose recovery time runs from now until {@link #recovered}.
     */
    private void failedOver(FunctionState fs, Instance i, String reason) {
        if (!i.ready() || (i.role != Role.ACTIVE && i.role != Role.REPLICA)) return;
        metrics.failover(fs.name(), fs.strategy().wireName(), i.role.wireName(), reason);
        if (fs.lostAt == null) fs.lostAt = clock.instant();
    }

    /** The function serves again after a loss: a standby promoted, or a replacement ready. */
    void recovered(FunctionState fs) {
        if (fs.lostAt == null) return;
        metrics.recovered(fs.name(), fs.strategy().wireName(), Duration.between(fs.lostAt, clock.instant()));
        fs.lostAt = null;
    }

    /** {@code replacement} of {@code fs} is ready: if it replaces a lost replica, that is reported. */
    void replaced(FunctionState fs, Instance replacement) {
        String old = fs.lost.pollFirst();
        if (old != null) events.emit(ClusterEvent.INSTANCE_REPLACED, fs.name(), replacement.node, replacement.id, "replaces " + old);
    }
}
