package io.tandem.executor.standby;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.executor.standby.Action.Launch;
import io.tandem.executor.standby.Action.Promote;
import io.tandem.executor.standby.Action.Role;
import io.tandem.executor.standby.Action.Wait;
import io.tandem.executor.standby.StandbyPlanner.Launching;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StandbyPlannerTest {
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final StandbyPlanner planner = new StandbyPlanner(3, Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(8));
    private final List<String> twoNodes = List.of("n1", "n2");

    private static Member ready(String id, String node) {
        return new Member(id, node, true);
    }

    @Test
    void startsAnActiveAndAStandbyOnDifferentNodesForANewFunction() {
        var plan = planner.plan(Pair.empty("f"), twoNodes, Launching.none(), t0);
        assertThat(plan.actions()).containsExactly(new Launch(Role.ACTIVE, "n1"), new Launch(Role.STANDBY, "n2"));
        assertThat(plan.warnings()).isEmpty();
    }

    @Test
    void promotesTheReadyStandbyWithTheNextEpochAndStartsANewStandbyAwayFromIt() {
        Pair pair = new Pair("f", null, ready("s", "n2"), 4);
        var plan = planner.plan(pair, List.of("n2", "n3", "n1"), Launching.none(), t0);
        assertThat(plan.actions()).containsExactly(new Promote("s", 5), new Launch(Role.STANDBY, "n3"));
    }

    @Test
    void replacesALostStandbyWithoutTouchingTheActive() {
        Pair pair = new Pair("f", ready("a", "n1"), null, 2);
        var plan = planner.plan(pair, List.of("n1", "n2"), Launching.none(), t0);
        assertThat(plan.actions()).containsExactly(new Launch(Role.STANDBY, "n2"));
    }

    @Test
    void doesNotStartTwiceWhatIsAlreadyStarting() {
        Pair pair = new Pair("f", ready("a", "n1"), null, 2);
        var plan = planner.plan(pair, twoNodes, new Launching(Optional.empty(), Optional.of("n2")), t0);
        assertThat(plan.actions()).isEmpty();
    }

    @Test
    void waitsForAStartingStandbyRatherThanStartingAnotherActive() {
        // A fresh instance would be ready no sooner than the standby already starting: promote that one when ready.
        Pair pair = new Pair("f", null, new Member("s", "n2", false), 1);
        assertThat(planner.plan(pair, twoNodes, Launching.none(), t0).actions()).isEmpty();

        var once = planner.plan(new Pair("f", null, ready("s", "n2"), 1), twoNodes, Launching.none(), t0);
        assertThat(once.actions()).containsExactly(new Promote("s", 2), new Launch(Role.STANDBY, "n1"));
    }

    @Test
    void onOneNodeRunsBothThereAndWarns() {
        var plan = planner.plan(Pair.empty("f"), List.of("n1"), Launching.none(), t0);
        assertThat(plan.actions()).containsExactly(new Launch(Role.ACTIVE, "n1"), new Launch(Role.STANDBY, "n1"));
        assertThat(plan.warnings()).singleElement().asString().contains("node failure is not covered");
    }

    @Test
    void withNoLiveNodeSaysSo() {
        var plan = planner.plan(Pair.empty("f"), List.of(), Launching.none(), t0);
        assertThat(plan.actions()).singleElement().isInstanceOf(Wait.class);
    }

    @Test
    void aFunctionThatKeepsLosingItsActiveBacksOffNewInstancesButStillPromotes() {
        for (int i = 0; i < 4; i++) planner.activeLost(t0.plusSeconds(i));
        Instant now = t0.plusSeconds(3);
        assertThat(planner.crashLooping(now)).isTrue();

        var plan = planner.plan(new Pair("f", null, ready("s", "n2"), 7), twoNodes, Launching.none(), now);
        assertThat(plan.actions()).first().isEqualTo(new Promote("s", 8));
        assertThat(plan.actions()).noneMatch(a -> a instanceof Launch);
        assertThat(plan.actions()).anyMatch(a -> a instanceof Wait w && w.why().contains("lost its active 4 times"));

        // After the back-off, it may start instances again; the next loss doubles the wait.
        assertThat(planner.crashLooping(now.plusSeconds(1))).isFalse();
        planner.activeLost(now.plusSeconds(2));
        assertThat(planner.crashLooping(now.plusSeconds(3))).isTrue();
        assertThat(planner.crashLooping(now.plusSeconds(4))).isFalse();
    }

    @Test
    void occasionalLossesNeverBackOff() {
        planner.activeLost(t0);
        planner.activeLost(t0.plusSeconds(40));
        planner.activeLost(t0.plusSeconds(80));
        assertThat(planner.crashLooping(t0.plusSeconds(80))).isFalse();
    }
}
