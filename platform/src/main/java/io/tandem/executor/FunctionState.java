package io.tandem.executor;

import io.tandem.executor.standby.StandbyPlanner;
import io.tandem.model.Endpoint;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.Strategy;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the executor keeps per function besides its instances: its spec, its error and back-off, its cold-start
 * waiters and its pair's epoch. Changed on the executor's context only; the volatile fields are read by the
 * status from any thread.
 */
final class FunctionState {
    volatile Function fn;
    volatile String lastError;
    volatile Instant errorAt;
    volatile Instant retryAt;
    volatile int failures;
    /** Replicas lost to an exit, a dead node or the router's report, not yet replaced: "id on node (why)". */
    final ArrayDeque<String> lost = new ArrayDeque<>();
    CompletableFuture<Endpoint> coldStart;
    final List<CompletableFuture<Endpoint>> waiters = new ArrayList<>();
    /** The epoch of the current active (active-standby); each promotion increments it. Executor context only. */
    long epoch;
    /** Decides the active-standby pair's next steps. Executor context only. */
    final StandbyPlanner planner = StandbyPlanner.defaults();
    /** Why the pair (or the replicas) do not cover a node failure now, or null. */
    volatile String pairWarning;
    /** The active lost last and not yet replaced, as "id on node (why)"; for the promotion's event. */
    String lostActive;
    /** When an instance of the function last exited soon after it started; executor context only. */
    Instant earlyExitAt;
    /** When the function lost a serving instance not yet made up for (promotion or replacement); for metrics. */
    Instant lostAt;
    /** The last reason the pair's planner gave for waiting, so it is logged once. */
    String waitingFor;

    FunctionState(Function fn) {
        this.fn = fn;
    }

    String name() {
        return fn.name();
    }

    /** The pair lost its active {@code i} ({@code why}) at {@code now}: for the promotion's event and the crash-loop count. */
    void activeLost(Instance i, String why, Instant now) {
        lostActive = i.id + " on " + i.node + " (" + why + ")";
        planner.activeLost(now);
    }

    long generation() {
        return fn.metadata().revision();
    }

    boolean newdeploy() {
        return fn.spec().executor() == ExecutorType.NEWDEPLOY;
    }

    Strategy strategy() {
        return fn.spec().faultTolerance().strategy();
    }

    boolean activeStandby() {
        return strategy() == Strategy.ACTIVE_STANDBY;
    }

    /**
     * Whether the function's instances are kept running whether or not it gets traffic: newdeploy, and the
     * strategies that need instances ready before a failure (a pair, or several replicas).
     */
    boolean keptRunning() {
        return newdeploy() || strategy() == Strategy.ACTIVE_STANDBY || strategy() == Strategy.REPLICATE;
    }

    /** How many replicas to keep (not for active-standby, whose pair is planned by {@link StandbyPlanner}). */
    int replicaCount() {
        int min = Math.max(1, fn.spec().minScale());
        return strategy() == Strategy.REPLICATE ? Math.max(min, fn.spec().faultTolerance().replicas()) : min;
    }

    boolean backingOff(Instant now) {
        return retryAt != null && now.isBefore(retryAt);
    }
}
