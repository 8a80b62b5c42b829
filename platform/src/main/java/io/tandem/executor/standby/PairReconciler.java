package io.tandem.executor.standby;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Carries out what {@link StandbyPlanner} decides for one function's active-standby pair, after steps of its own that
 * the planner leaves to it: which of several standbys to keep, a standby of an older revision replaced (it would
 * serve old code), an older active handing over to a ready standby of the current revision (an update rolls without
 * a gap), and a standby that shares its active's node moved off it while another node is alive (a second standby
 * starts elsewhere, the spare is stopped once that one is ready). On the executor's context only; the executor's
 * side of it is {@link Members}.
 */
public final class PairReconciler {
    /**
     * A member of the pair as the executor holds it: an instance in the active or standby role, ready or starting
     * (never one being stopped); {@code current} when it runs the function's current revision.
     */
    public record Copy(String id, String node, boolean ready, boolean current) {
        boolean starting() {
            return !ready;
        }
    }

    /** One function's pair as the executor holds it, and what can be done to it. Made for one reconciliation. */
    public interface Members {
        String function();

        /** The epoch of the current active. */
        long epoch();

        /** The members in {@code role}, ready or starting; read afresh at each call. */
        List<Copy> members(Action.Role role);

        /** The node of a member starting in {@code role}, if any; read afresh at each call. */
        Optional<String> startingNode(Action.Role role);

        /** The live nodes, the fewest instances first (by name among equals). */
        List<String> nodesByLoad();

        /** The function's planner, which remembers its crash loops and holds. */
        StandbyPlanner planner();

        /** The active lost last and not replaced yet, as the events name it, or null. */
        String lostActive();

        void forgetLostActive();

        /** Whether the function's launches back off after members failed to start or load. */
        boolean backingOff(Instant now);

        /** Whether recovery work named {@code what} waits for the machine's CPU to calm down. */
        boolean deferred(String what, Instant now);

        void stop(String instanceId);

        /** Makes the standby {@code instanceId} the active at the next epoch. */
        void promote(String instanceId, String why);

        /** Starts a member in {@code role} on {@code node}. */
        void launch(Action.Role role, String node);

        /** Why the planner waits (null: it does not): said once per reason. */
        void waiting(String why);

        /** What the pair lacks now (null: nothing), for the function's status. */
        void warn(String warning);

        /** Stops the replicas left from before a switch to this strategy. */
        void stopReplicas();
    }

    private PairReconciler() {
    }

    /** One pass over the pair; each step reads the members the step before left (kept, replaced, promoted). */
    public static void reconcile(Members m, Instant now) {
        Copy active = readyActive(m);
        Copy standby = keepOneStandby(m, active);
        if (standby != null && !standby.current()) {
            m.stop(standby.id());
            standby = null;
        }
        if (active != null && !active.current() && standby != null && standby.ready()) {
            m.promote(standby.id(), "the function was updated; the active of the older revision hands over");
            m.stop(active.id());
            active = standby;
            standby = null;
        }
        List<String> nodesByLoad = m.nodesByLoad();
        active = carryOut(m, plan(m, active, standby, nodesByLoad, now), active, now);
        if (standby != null && active != null && standby.id().equals(active.id())) standby = null; // it was promoted
        if (active != null && standby != null && standby.ready() && active.node().equals(standby.node())
                && m.startingNode(Action.Role.STANDBY).isEmpty() && !m.backingOff(now)) {
            String activeNode = active.node();
            nodesByLoad.stream().filter(n -> !n.equals(activeNode)).findFirst().ifPresent(n -> m.launch(Action.Role.STANDBY, n));
        }
        // Replicas from before a switch to this strategy serve until the pair has an active, then go.
        if (active != null) m.stopReplicas();
    }

    /** The ready active (the first by id if, briefly, two are). */
    private static Copy readyActive(Members m) {
        return m.members(Action.Role.ACTIVE).stream().filter(Copy::ready).min(Comparator.comparing(Copy::id)).orElse(null);
    }

    /**
     * Chooses the standby to keep, ready before starting, current revision, off the active's node when possible,
     * and stops the others, except while the kept one is still starting and they are ready, and except the one
     * relocating.
     */
    private static Copy keepOneStandby(Members m, Copy active) {
        List<Copy> standbys = m.members(Action.Role.STANDBY);
        Copy kept = standbys.stream()
                .min(Comparator.<Copy, Boolean>comparing(Copy::starting)
                        .thenComparing(c -> !c.current())
                        .thenComparing(c -> active != null && active.node().equals(c.node()))
                        .thenComparing(Copy::id))
                .orElse(null);
        for (Copy c : standbys) {
            if (c != kept && (kept == null || kept.ready() || c.ready()) && !relocating(c, kept, active)) m.stop(c.id());
        }
        return kept;
    }

    /**
     * Whether {@code c} is the standby starting on another node to take over from a ready standby that shares the
     * active's node: it must be left to start (stopping it would start another, and so on), and once it is ready it
     * is the better standby and the other one goes.
     */
    private static boolean relocating(Copy c, Copy kept, Copy active) {
        return c.starting() && active != null && kept != null && kept.node().equals(active.node()) && !c.node().equals(active.node());
    }

    private static StandbyPlanner.Plan plan(Members m, Copy active, Copy standby, List<String> nodesByLoad, Instant now) {
        StandbyPlanner.Launching launching = new StandbyPlanner.Launching(m.startingNode(Action.Role.ACTIVE),
                standby != null && standby.starting() ? Optional.of(standby.node()) : Optional.empty());
        Pair pair = new Pair(m.function(), member(active), standby != null && standby.ready() ? member(standby) : null, m.epoch());
        StandbyPlanner.Plan plan = m.planner().plan(pair, nodesByLoad, launching, now);
        m.warn(plan.warnings().isEmpty() ? null : String.join("; ", plan.warnings()));
        return plan;
    }

    /** Carries out the planner's actions; answers the active after them. */
    private static Copy carryOut(Members m, StandbyPlanner.Plan plan, Copy active, Instant now) {
        String waitingFor = null;
        for (Action action : plan.actions()) {
            switch (action) {
                case Action.Promote p -> {
                    String lost = m.lostActive();
                    m.promote(p.instanceId(), lost == null ? "there was no active" : "replaces " + lost);
                    m.forgetLostActive();
                    active = find(m, p.instanceId());
                }
                case Action.Launch l -> {
                    // A member that failed to start or load backs off like any launch (promotions never wait).
                    if (m.backingOff(now)) continue;
                    // A replacement standby can wait for a saturated machine to calm down; a missing active cannot.
                    if (l.role() == Action.Role.STANDBY && active != null && m.deferred("the standby of " + m.function(), now)) continue;
                    m.launch(l.role(), l.node());
                }
                case Action.Wait w -> {
                    m.waiting(w.why());
                    waitingFor = w.why();
                }
            }
        }
        if (waitingFor == null) m.waiting(null);
        return active;
    }

    private static Copy find(Members m, String id) {
        return m.members(Action.Role.ACTIVE).stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow(
                () -> new IllegalStateException("the promoted instance " + id + " of " + m.function() + " is not an active member"));
    }

    private static Member member(Copy c) {
        return c == null ? null : new Member(c.id(), c.node(), c.ready());
    }
}
