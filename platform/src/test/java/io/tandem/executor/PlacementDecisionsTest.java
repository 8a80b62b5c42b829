package io.tandem.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.executor.deploy.ReplicaPlanner;
import io.tandem.executor.deploy.ReplicaPlanner.Replica;
import io.tandem.executor.pool.IdleReaper;
import io.tandem.executor.pool.WarmPool;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure deciders behind the executor. */
class PlacementDecisionsTest {
    @Test
    void warmPoolFillsOnlyWhatIsMissingPerNode() {
        assertThat(WarmPool.deficits(3, List.of("n1", "n2", "n3"), Map.of("n1", 3, "n2", 1)))
                .containsExactlyInAnyOrderEntriesOf(Map.of("n2", 2, "n3", 3));
    }

    @Test
    void replicaPlannerStartsMissingAndKeepsOldUntilNewIsReady() {
        List<Replica> rolling = List.of(new Replica("old", "n1", 1, true), new Replica("new", "n2", 2, false));
        assertThat(ReplicaPlanner.plan(1, 2, rolling)).isEqualTo(new ReplicaPlanner.Plan(0, List.of()));
        List<Replica> rolled = List.of(new Replica("old", "n1", 1, true), new Replica("new", "n2", 2, true));
        assertThat(ReplicaPlanner.plan(1, 2, rolled)).isEqualTo(new ReplicaPlanner.Plan(0, List.of("old")));
        assertThat(ReplicaPlanner.plan(2, 2, List.of()).launch()).isEqualTo(2);
    }

    @Test
    void replicaPlannerDropsSurplusNotReadyFirst() {
        List<Replica> three = List.of(new Replica("a", "n1", 1, true), new Replica("b", "n2", 1, false), new Replica("c", "n3", 1, true));
        assertThat(ReplicaPlanner.plan(2, 1, three).stop()).containsExactly("b");
    }

    @Test
    void leastLoadedPrefersNodesWithoutTheFunctionThenFewestInstances() {
        NodeSelector s = NodeSelector.leastLoaded();
        List<NodeSelector.NodeLoad> loads = List.of(new NodeSelector.NodeLoad("n1", 0), new NodeSelector.NodeLoad("n2", 5), new NodeSelector.NodeLoad("n3", 2));
        assertThat(s.select(loads, Set.of())).contains("n1");
        assertThat(s.select(loads, Set.of("n1"))).contains("n3");
        assertThat(s.select(loads, Set.of("n1", "n2", "n3"))).as("all taken: least loaded anyway").contains("n1");
        assertThat(s.select(List.of(), Set.of())).isEmpty();
    }

    @Test
    void leastLoadedRoundRobinsBetweenEquals() {
        NodeSelector s = NodeSelector.leastLoaded();
        List<NodeSelector.NodeLoad> loads = List.of(new NodeSelector.NodeLoad("n1", 1), new NodeSelector.NodeLoad("n2", 1));
        assertThat(List.of(s.select(loads, Set.of()).orElseThrow(), s.select(loads, Set.of()).orElseThrow())).containsExactlyInAnyOrder("n1", "n2");
    }

    @Test
    void idleReaperPicksInstancesPastTheirIdleTimeout() {
        Instant now = Instant.parse("2026-01-01T00:02:00Z");
        List<IdleReaper.Candidate> c = List.of(
                new IdleReaper.Candidate("fresh", now.minusSeconds(10), Duration.ofSeconds(120)),
                new IdleReaper.Candidate("stale", now.minusSeconds(120), Duration.ofSeconds(120)));
        assertThat(IdleReaper.idle(c, now)).containsExactly("stale");
    }

    @Test
    void failureDetectorNeedsAllMissesBeforeDeclaringDeath() {
        FailureDetector d = new FailureDetector(Duration.ofMillis(100), 3);
        Instant last = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(d.missedHeartbeats(last, last.plusMillis(300), last.plusMillis(200))).isFalse();
        assertThat(d.missedHeartbeats(last, last.plusMillis(301), last.plusMillis(201))).isTrue();
    }

    @Test
    void failureDetectorDoesNotCountItsOwnPauseAgainstTheNode() {
        FailureDetector d = new FailureDetector(Duration.ofMillis(100), 3);
        Instant last = Instant.parse("2026-01-01T00:00:00Z");
        // The checker ran at +50 ms, then was not scheduled for 2 s: heartbeats sent meanwhile are still queued.
        assertThat(d.missedHeartbeats(last, last.plusMillis(2050), last.plusMillis(50))).isFalse();
        // A node silent through the checker's pause and for 3 more intervals after it is dead.
        assertThat(d.missedHeartbeats(last, last.plusMillis(2500), last.plusMillis(2100))).isTrue();
        // A heartbeat read after the previous check, then a 400 ms pause of the checker: still alive.
        assertThat(d.missedHeartbeats(last.plusMillis(50), last.plusMillis(450), last)).isFalse();
    }

    @Test
    void backoffDoublesUpToItsCap() {
        Backoff b = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30));
        assertThat(List.of(b.delay(1), b.delay(2), b.delay(3), b.delay(10)))
                .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(30));
    }
}
