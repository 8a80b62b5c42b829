package io.tandem.executor.standby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PairReconcilerTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    /** A pair held in memory: what the reconciler asked for is recorded, and stops and promotions take effect. */
    private static final class FakePair implements PairReconciler.Members {
        final Map<Action.Role, List<PairReconciler.Copy>> members = new EnumMap<>(Map.of(
                Action.Role.ACTIVE, new ArrayList<>(), Action.Role.STANDBY, new ArrayList<>()));
        final List<String> nodes;
        final StandbyPlanner planner = StandbyPlanner.defaults();
        final List<String> stopped = new ArrayList<>();
        final List<String> promoted = new ArrayList<>();
        final List<String> launched = new ArrayList<>();
        final List<String> waits = new ArrayList<>();
        String lostActive;
        String warning;
        boolean backingOff;
        boolean deferred;
        boolean replicasStopped;
        long epoch = 1;

        FakePair(String... nodes) {
            this.nodes = List.of(nodes);
        }

        FakePair with(Action.Role role, String id, String node, boolean ready, boolean current) {
            members.get(role).add(new PairReconciler.Copy(id, node, ready, current));
            return this;
        }

        @Override public String function() { return "fn"; }
        @Override public long epoch() { return epoch; }
        @Override public List<PairReconciler.Copy> members(Action.Role role) { return List.copyOf(members.get(role)); }

        @Override
        public Optional<String> startingNode(Action.Role role) {
            return members.get(role).stream().filter(c -> !c.ready()).map(PairReconciler.Copy::node).findFirst();
        }

        @Override public List<String> nodesByLoad() { return nodes; }
        @Override public StandbyPlanner planner() { return planner; }
        @Override public String lostActive() { return lostActive; }
        @Override public void forgetLostActive() { lostActive = null; }
        @Override public boolean backingOff(Instant now) { return backingOff; }
        @Override public boolean deferred(String what, Instant now) { return deferred; }

        @Override
        public void stop(String id) {
            stopped.add(id);
            members.values().forEach(l -> l.removeIf(c -> c.id().equals(id)));
        }

        @Override
        public void promote(String id, String why) {
            PairReconciler.Copy c = members.get(Action.Role.STANDBY).stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
            members.get(Action.Role.STANDBY).remove(c);
            members.get(Action.Role.ACTIVE).add(c);
            epoch++;
            promoted.add(id + ": " + why);
        }

        @Override
        public void launch(Action.Role role, String node) {
            launched.add(role + "@" + node);
            with(role, "new-" + launched.size(), node, false, true);
        }
        @Override public void waiting(String why) { if (why != null) waits.add(why); }
        @Override public void warn(String w) { warning = w; }
        @Override public void stopReplicas() { replicasStopped = true; }
    }

    @Test
    void anEmptyPairStartsItsActiveAndAStandbyOnAnotherNode() {
        FakePair p = new FakePair("a", "b");
        PairReconciler.reconcile(p, NOW);
        assertEquals(List.of("ACTIVE@a", "STANDBY@b"), p.launched);
        assertTrue(p.stopped.isEmpty());
        assertTrue(!p.replicasStopped, "replicas serve until the pair has an active");
    }

    @Test
    void aLostActiveIsReplacedByItsReadyStandbyNamingTheLoss() {
        FakePair p = new FakePair("a", "b").with(Action.Role.STANDBY, "s1", "b", true, true);
        p.lostActive = "i1 on a (killed)";
        PairReconciler.reconcile(p, NOW);
        assertEquals(List.of("s1: replaces i1 on a (killed)"), p.promoted);
        assertNull(p.lostActive);
        assertEquals(List.of("STANDBY@a"), p.launched, "one new standby, even though the promoted one was on the other node");
        assertTrue(p.replicasStopped);
    }

    @Test
    void anUpdateHandsOverToTheCurrentStandbyWithoutAGap() {
        FakePair p = new FakePair("a", "b")
                .with(Action.Role.ACTIVE, "old", "a", true, false)
                .with(Action.Role.STANDBY, "new", "b", true, true);
        PairReconciler.reconcile(p, NOW);
        assertEquals(List.of("new: the function was updated; the active of the older revision hands over"), p.promoted);
        assertEquals(List.of("old"), p.stopped);
        assertEquals(List.of("STANDBY@a"), p.launched, "a standby of the new revision starts off the new active's node");
    }

    @Test
    void aStandbyOfTheOlderRevisionIsReplaced() {
        FakePair p = new FakePair("a", "b")
                .with(Action.Role.ACTIVE, "act", "a", true, true)
                .with(Action.Role.STANDBY, "stale", "b", true, false);
        PairReconciler.reconcile(p, NOW);
        assertEquals(List.of("stale"), p.stopped);
        assertEquals(List.of("STANDBY@b"), p.launched);
        assertTrue(p.promoted.isEmpty());
    }

    @Test
    void ofTwoReadyStandbysTheOneOffTheActivesNodeIsKept() {
        FakePair p = new FakePair("a", "b")
                .with(Action.Role.ACTIVE, "act", "a", true, true)
                .with(Action.Role.STANDBY, "s1", "a", true, true)
                .with(Action.Role.STANDBY, "s2", "b", true, true);
        PairReconciler.reconcile(p, NOW);
        assertEquals(List.of("s1"), p.stopped);
        assertTrue(p.launched.isEmpty());
    }

    @Test
    void aStandbyOnTheActivesNodeMovesToAnotherOneAndTheNewOneIsLeftToStart() {
        FakePair p = new FakePair("a", "b")
                .with(Action.Role.ACTIVE, "act", "a", true, true)
                .with(Action.Role.STANDBY, "same", "a", true, true);
        PairReconciler.reconcile(p, NOW);
        assertEquals(List.of("STANDBY@b"), p.launched);
        assertTrue(p.stopped.isEmpty());

        p.launched.clear();
        PairReconciler.reconcile(p, NOW);
        assertTrue(p.stopped.isEmpty(), "the relocating standby is left to start: " + p.stopped);
        assertTrue(p.launched.isEmpty(), "one relocation at a time: " + p.launched);
    }

    @Test
    void aReplacementStandbyWaitsForABusyMachineButAMissingActiveDoesNot() {
        FakePair withActive = new FakePair("a", "b").with(Action.Role.ACTIVE, "act", "a", true, true);
        withActive.deferred = true;
        PairReconciler.reconcile(withActive, NOW);
        assertTrue(withActive.launched.isEmpty());

        FakePair promoted = new FakePair("a", "b").with(Action.Role.STANDBY, "s1", "b", true, true);
        promoted.deferred = true;
        PairReconciler.reconcile(promoted, NOW);
        assertEquals(List.of("s1: there was no active"), promoted.promoted);
        assertTrue(promoted.launched.isEmpty(), "the promoted standby is not also a standby to move: " + promoted.launched);

        FakePair empty = new FakePair("a", "b");
        empty.deferred = true;
        PairReconciler.reconcile(empty, NOW);
        assertEquals(List.of("ACTIVE@a", "STANDBY@b"), empty.launched);
    }

    @Test
    void backingOffLaunchesNothingAndNoLiveNodeIsSaidAsAWait() {
        FakePair p = new FakePair("a", "b");
        p.backingOff = true;
        PairReconciler.reconcile(p, NOW);
        assertTrue(p.launched.isEmpty());

        FakePair none = new FakePair();
        PairReconciler.reconcile(none, NOW);
        assertEquals(List.of("no live node to run function 'fn'"), none.waits);
    }

    @Test
    void oneNodeIsAWarningForTheStatus() {
        FakePair p = new FakePair("a").with(Action.Role.ACTIVE, "act", "a", true, true);
        PairReconciler.reconcile(p, NOW);
        assertTrue(p.warning.contains("one node (a)"), p.warning);
        assertEquals(List.of("STANDBY@a"), p.launched);
    }
}
