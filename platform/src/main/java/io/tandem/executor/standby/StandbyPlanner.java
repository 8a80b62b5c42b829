package io.tandem.executor.standby;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Decides what one function's active-standby pair needs, from the pair and the live nodes, most loaded last.
 *
 * <ul>
 *   <li>No active, a ready standby: promote it (epoch + 1), and start a new standby on another node.</li>
 *   <li>No active and no ready standby: start the future active (unless one is already starting), and a standby.</li>
 *   <li>An active and no standby: start a standby on another node; on a one-node cluster on the same node, with a
 *       warning that a node failure is not covered.</li>
 *   <li>A function that keeps losing its active (more than {@code maxLosses} within {@code window}) is crash-looping:
 *       promotions continue while a standby is ready, but new instances wait for a back-off that doubles, so a
 *       function that crashes on every request cannot drive an endless promote-and-relaunch loop.</li>
 * </ul>
 *
 * <p>Not thread-safe: one per function, used on the executor's context. Time is passed in.
 */
public final class StandbyPlanner {
    private final int maxLosses;
    private final Duration window;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final Deque<Instant> losses = new ArrayDeque<>();
    private Instant launchAllowedAt = Instant.MIN;
    private Duration backoff;

    public StandbyPlanner(int maxLosses, Duration window, Duration firstBackoff, Duration maxBackoff) {
        this.maxLosses = maxLosses;
        this.window = window;
        this.firstBackoff = firstBackoff;
        this.maxBackoff = maxBackoff;
        this.backoff = firstBackoff;
    }

    public static StandbyPlanner defaults() {
        return new StandbyPlanner(3, Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    /** The plan: actions in the order to carry them out, and warnings for the user. */
    public record Plan(List<Action> actions, List<String> warnings) {
    }

    /** Records that the pair lost its active at {@code now}; call before {@link #plan}. */
    public void activeLost(Instant now) {
        losses.addLast(now);
        while (!losses.isEmpty() && losses.peekFirst().isBefore(now.minus(window))) losses.removeFirst();
        if (losses.size() > maxLosses) {
            launchAllowedAt = now.plus(backoff);
            backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
        } else if (losses.size() <= 1) {
            backoff = firstBackoff;
        }
    }

    public boolean crashLooping(Instant now) {
        return now.isBefore(launchAllowedAt);
    }

    /**
     * @param pair      the pair now
     * @param nodes     live nodes, least loaded first
     * @param launching the nodes where an instance of this function is already starting, for each role
     */
    public Plan plan(Pair pair, List<String> nodes, Launching launching, Instant now) {
        List<Action> actions = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (nodes.isEmpty()) {
            actions.add(new Action.Wait("no live node to run function '" + pair.function() + "'"));
            return new Plan(actions, warnings);
        }
        if (nodes.size() == 1) {
            warnings.add("function '" + pair.function() + "' runs its active and standby on one node (" + nodes.getFirst()
                    + "): a node failure is not covered until another node joins");
        }
        Member active = pair.active();
        Member standby = pair.standby();
        if (active == null && standby != null && standby.ready()) {
            actions.add(new Action.Promote(standby.instanceId(), pair.epoch() + 1));
            active = standby;
            standby = null;
        }
        boolean mayLaunch = !crashLooping(now);
        if (!mayLaunch) {
            actions.add(new Action.Wait("function '" + pair.function() + "' lost its active " + losses.size() + " times in "
                    + window.toSeconds() + " s: new instances wait until " + launchAllowedAt));
        }
        if (active == null && standby == null && launching.active().isEmpty() && mayLaunch) {
            String node = pick(nodes, launching.nodes(), null).orElseThrow();
            actions.add(new Action.Launch(Action.Role.ACTIVE, node));
            launching = launching.plus(Action.Role.ACTIVE, node);
        }
        if (standby == null && launching.standby().isEmpty() && mayLaunch) {
            String activeNode = active != null ? active.node() : launching.active().orElse(null);
            pick(nodes, launching.nodes(), activeNode).ifPresent(node -> actions.add(new Action.Launch(Action.Role.STANDBY, node)));
        }
        return new Plan(actions, warnings);
    }

    /** The least loaded node other than {@code avoid} and those already starting one; {@code avoid} if it is all there is. */
    private static Optional<String> pick(List<String> nodes, List<String> busy, String avoid) {
        for (String n : nodes) {
            if (!n.equals(avoid) && !busy.contains(n)) return Optional.of(n);
        }
        for (String n : nodes) {
            if (!n.equals(avoid)) return Optional.of(n);
        }
        return Optional.of(nodes.getFirst());
    }

    /** Where instances of this function are starting, by the role they will take. */
    public record Launching(Optional<String> active, Optional<String> standby) {
        public static Launching none() {
            return new Launching(Optional.empty(), Optional.empty());
        }

        Launching plus(Action.Role role, String node) {
            return role == Action.Role.ACTIVE ? new Launching(Optional.of(node), standby) : new Launching(active, Optional.of(node));
        }

        List<String> nodes() {
            List<String> out = new ArrayList<>();
            active.ifPresent(out::add);
            standby.ifPresent(out::add);
            return out;
        }
    }
}
