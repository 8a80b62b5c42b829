package io.tandem.executor;

import io.tandem.model.ChangeFeed;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Endpoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the router asks of the executor on its cold path and when a send fails, behind {@link Executor}'s public
 * methods of the same names. Any thread: each method hops onto the executor's context before it reads or changes
 * the cluster.
 */
final class RouterRequests {
    private static final Logger log = LoggerFactory.getLogger(RouterRequests.class);

    private final ExecutorContext ctx;
    private final Cluster cluster;
    private final ChangeFeed feed;
    private final ColdStarts coldStarts;
    private final PairSupervisor pairs;
    private final InstanceLoss loss;
    private final RecoveryPacing recovery;
    /** Acquires waiting for their function to reach this executor, by function; on its context. */
    private final Map<String, List<Runnable>> awaiting = new HashMap<>();

    RouterRequests(ExecutorContext ctx, ChangeFeed feed, ColdStarts coldStarts, PairSupervisor pairs, InstanceLoss loss,
                   RecoveryPacing recovery) {
        this.ctx = ctx;
        this.cluster = ctx.cluster();
        this.feed = feed;
        this.coldStarts = coldStarts;
        this.pairs = pairs;
        this.loss = loss;
        this.recovery = recovery;
    }

    /** See {@link Executor#acquire}. */
    CompletableFuture<Endpoint> acquire(String function) {
        CompletableFuture<Endpoint> out = new CompletableFuture<>();
        if (ctx.context() == null) {
            out.completeExceptionally(new ExecutorException("the executor has not started"));
            return out;
        }
        ctx.onContext(() -> {
            Runnable acquire = () -> coldStarts.acquire(function).whenComplete((e, t) -> complete(out, e, t));
            if (cluster.function(function) != null) acquire.run();
            else awaitFunction(function, acquire);
        });
        return out;
    }

    /**
     * The router and this executor read the change feed each on its own, so a function the router already serves
     * may not have reached this executor yet: runs {@code then} as soon as it arrives, or once the feed has delivered
     * all it stored (then {@code then} finds out whether it exists), whichever comes first. On the executor's context.
     */
    private void awaitFunction(String function, Runnable then) {
        boolean[] ran = {false};
        Runnable once = () -> {
            if (ran[0]) return;
            ran[0] = true;
            then.run();
        };
        awaiting.computeIfAbsent(function, f -> new ArrayList<>()).add(once);
        feed.caughtUp().whenComplete((v, x) -> ctx.onContext(() -> {
            List<Runnable> waiting = awaiting.get(function);
            if (waiting != null && waiting.remove(once) && waiting.isEmpty()) awaiting.remove(function);
            once.run();
        }));
    }

    /** {@code function} reached this executor through the change feed: what waited for it goes ahead. On its context. */
    void functionArrived(String function) {
        List<Runnable> waiting = awaiting.remove(function);
        if (waiting != null) waiting.forEach(Runnable::run);
    }

    private static <T> void complete(CompletableFuture<T> out, T value, Throwable failure) {
        if (failure != null) out.completeExceptionally(failure);
        else out.complete(value);
    }

    /** See {@link Executor#coldCallEnded}. */
    void coldCallEnded(Endpoint endpoint) {
        ctx.onContext(() -> coldStarts.callEnded(endpoint));
    }

    /** See {@link Executor#reportSuspect}. */
    void reportSuspect(Endpoint endpoint, String why) {
        ctx.onContext(() -> {
            Instance i = cluster.instance(endpoint.instanceId());
            if (i == null || i.stopping()) return;
            log.debug("instance {} of {} suspected by the router: {}", i.id, i.function, why);
            FunctionState fs = cluster.functionOf(i);
            if (fs == null) return;
            ProcessStates.State state = ctx.config().processes().of(i.pid);
            if (state == ProcessStates.State.GONE) {
                reportUnreachable(endpoint);
                return;
            }
            if (i.pairMember()) {
                pairs.suspected(fs, i);
            } else if (state == ProcessStates.State.STOPPED) {
                // Unprobed (retry, none, replicas): a stopped process serves nothing until someone resumes it.
                reportUnreachable(endpoint);
            }
        });
    }

    /** See {@link Executor#reportUnreachable}. */
    void reportUnreachable(Endpoint endpoint) {
        ctx.onContext(() -> {
            Instance i = cluster.instance(endpoint.instanceId());
            if (i == null || i.stopping()) return;
            log.info("instance {} of {} reported unreachable; replacing it", i.id, i.function);
            ctx.events().emit(ClusterEvent.UNREACHABLE, i.function, i.node, i.id, "the router could not connect to port " + i.port + "; replacing it");
            loss.lose(i, InstanceLoss.Cause.unreachable());
        });
    }

    /** See {@link Executor#recordTraffic}. */
    void recordTraffic(String function) {
        ctx.onContext(() -> {
            Instant now = ctx.config().clock().instant();
            recovery.trafficSeen(now);
            for (Instance i : cluster.instancesOf(function)) i.lastUsed = now;
        });
    }
}
