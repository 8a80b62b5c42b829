package io.tandem.executor.deploy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides how a newdeploy function's replicas converge on {@code desired} replicas of its current generation (the
 * function's revision): start what is missing, and remove the old generation only once enough of the new one is
 * ready (rolling update, new before old). Pure; thread-safe.
 */
public final class ReplicaPlanner {
    public record Replica(String instanceId, String node, long generation, boolean ready) {
    }

    /** {@code launch}: how many new replicas to start; {@code stop}: which instances to remove. */
    public record Plan(int launch, List<String> stop) {
    }

    private ReplicaPlanner() {
    }

    public static Plan plan(int desired, long generation, List<Replica> replicas) {
        List<Replica> current = replicas.stream().filter(r -> r.generation() == generation).toList();
        List<Replica> old = replicas.stream().filter(r -> r.generation() != generation).toList();
        List<String> stop = new ArrayList<>();
        // Surplus of the current generation: drop those not ready first.
        List<Replica> bySurplus = current.stream().sorted(Comparator.comparing(Replica::ready)).toList();
        for (int i = 0; i < current.size() - desired; i++) stop.add(bySurplus.get(i).instanceId());
        long ready = current.stream().filter(Replica::ready).count();
        if (ready >= desired) old.forEach(r -> stop.add(r.instanceId()));
        return new Plan(Math.max(0, desired - current.size()), stop);
    }
}
