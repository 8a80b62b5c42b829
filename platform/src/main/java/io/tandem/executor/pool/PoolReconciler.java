package io.tandem.executor.pool;

import io.tandem.model.Environment;
import io.tandem.model.Runtime;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps every environment's warm pool full on every live node: {@link WarmPool} says what is missing, this starts
 * it. Refills are paced: one warm instance starting per node at a time, so a refill after failovers (or a boot)
 * never starts a crowd of JVMs at once on a machine that may already be saturated, and none on a node whose cold
 * start's first call is still on its way. It also stops the specialized instances {@link IdleReaper} finds idle. On
 * the executor's context only.
 */
public final class PoolReconciler {
    /** The cluster as the pools see it, and what they do to it. Implemented by the executor. */
    public interface Pools {
        Collection<Environment> environments();

        /** The names of the live nodes, sorted. */
        List<String> aliveNodes();

        /** Per node, the environment's generic instances starting, ready or being specialized (not stopping). */
        Map<String, Integer> pooled(String environment);

        /** The nodes where a generic instance is starting. */
        Set<String> nodesStarting();

        /** Whether the environment's pool backs off after failures to start. */
        boolean backingOff(String environment, Instant now);

        /**
         * Whether a first call is on its way to an instance a cold start just made on {@code node}: a JVM starting
         * beside it would slow it down several times.
         */
        boolean firstCallPending(String node, Instant now);

        /** Whether recovery work named {@code what} waits for the machine's CPU to calm down. */
        boolean deferred(String what, Instant now);

        /** Starts one generic instance of {@code env} on {@code node}. */
        void launch(Environment env, String node);

        /** The specialized instances that idleness may stop, each with its last use and its function's idle timeout. */
        List<IdleReaper.Candidate> specialized();

        /** Stops the specialized instance {@code instanceId}, found idle. */
        void reap(String instanceId);
    }

    private final Pools pools;

    public PoolReconciler(Pools pools) {
        this.pools = pools;
    }

    public void reconcile(Instant now) {
        List<String> alive = pools.aliveNodes();
        Set<String> nodesStarting = pools.nodesStarting();
        for (Environment env : pools.environments()) {
            if (env.spec().runtime() == Runtime.HTTP || env.spec().poolSize() == 0) continue;
            if (pools.backingOff(env.name(), now)) continue;
            WarmPool.deficits(env.spec().poolSize(), alive, pools.pooled(env.name())).forEach((node, missing) -> {
                if (nodesStarting.contains(node) || pools.firstCallPending(node, now)) return;
                if (pools.deferred("a pool refill of " + env.name() + " on " + node, now)) return;
                nodesStarting.add(node);
                pools.launch(env, node);
            });
        }
    }

    /** Stops every specialized instance unused for longer than its function's idle timeout. */
    public void reapIdle(Instant now) {
        for (String id : IdleReaper.idle(pools.specialized(), now)) pools.reap(id);
    }
}
