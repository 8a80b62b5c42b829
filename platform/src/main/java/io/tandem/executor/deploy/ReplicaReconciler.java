package io.tandem.executor.deploy;

import java.util.List;

/**
 * Carries out what {@link ReplicaPlanner} decides for one function's replicas (newdeploy, retry, replicate, none):
 * stops the extra or outdated ones, starts the missing ones, and says when a node failure is not covered. On the
 * executor's context only.
 */
public final class ReplicaReconciler {
    /** One function's replicas as the executor holds them, and what can be done to them. */
    public interface Replicas {
        String function();

        /** How many replicas to keep. */
        int wanted();

        /** The function's current revision. */
        long generation();

        /** Whether the function's strategy is replicate: its replicas are to cover a node's failure. */
        boolean replicate();

        /** Its replicas not being stopped. */
        List<ReplicaPlanner.Replica> current();

        void stop(String instanceId);

        /** Starts one replica on the least loaded node not yet running the function. */
        void launch();

        /** Stops the members of a pair from before a switch to this strategy. */
        void stopPairMembers();

        /** Why the replicas do not cover a node failure now, or null. */
        void warn(String warning);
    }

    private ReplicaReconciler() {
    }

    public static void reconcile(Replicas r, List<String> aliveNodes) {
        List<ReplicaPlanner.Replica> replicas = r.current();
        ReplicaPlanner.Plan plan = ReplicaPlanner.plan(r.wanted(), r.generation(), replicas);
        plan.stop().forEach(r::stop);
        r.warn(r.replicate() && aliveNodes.size() < 2
                ? "function '" + r.function() + "' runs its replicas on " + (aliveNodes.isEmpty() ? "no live node" : "one node (" + aliveNodes.getFirst() + ")")
                  + ": a node failure is not covered until another node joins"
                : null);
        // Members of a pair from before a switch to this strategy serve until a replica is ready, then go.
        if (replicas.stream().anyMatch(ReplicaPlanner.Replica::ready)) r.stopPairMembers();
        if (plan.launch() > 0 && aliveNodes.isEmpty()) return;
        for (int k = 0; k < plan.launch(); k++) r.launch();
    }
}
