package io.tandem.executor.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicaReconcilerTest {
    /** One function's replicas in a list; records what the reconciler does. */
    private static final class FakeReplicas implements ReplicaReconciler.Replicas {
        int wanted = 2;
        long generation = 1;
        boolean replicate;
        final List<ReplicaPlanner.Replica> current = new ArrayList<>();
        final List<String> stopped = new ArrayList<>();
        int launched;
        boolean pairStopped;
        String warning = "unset";

        @Override
        public String function() {
            return "api";
        }

        @Override
        public int wanted() {
            return wanted;
        }

        @Override
        public long generation() {
            return generation;
        }

        @Override
        public boolean replicate() {
            return replicate;
        }

        @Override
        public List<ReplicaPlanner.Replica> current() {
            return current;
        }

        @Override
        public void stop(String instanceId) {
            stopped.add(instanceId);
        }

        @Override
        public void launch() {
            launched++;
        }

        @Override
        public void stopPairMembers() {
            pairStopped = true;
        }

        @Override
        public void warn(String warning) {
            this.warning = warning;
        }
    }

    private final FakeReplicas replicas = new FakeReplicas();

    @Test
    void launchesTheMissingReplicasWhileANodeIsAlive() {
        ReplicaReconciler.reconcile(replicas, List.of("n1", "n2"));

        assertThat(replicas.launched).isEqualTo(2);
        assertThat(replicas.warning).isNull();
        assertThat(replicas.pairStopped).isFalse();
    }

    @Test
    void launchesNothingWithoutALiveNode() {
        ReplicaReconciler.reconcile(replicas, List.of());

        assertThat(replicas.launched).isZero();
    }

    @Test
    void warnsWhenReplicatedReplicasShareOneNode() {
        replicas.replicate = true;
        replicas.current.add(new ReplicaPlanner.Replica("a", "n1", 1, true));

        ReplicaReconciler.reconcile(replicas, List.of("n1"));

        assertThat(replicas.warning).isEqualTo("function 'api' runs its replicas on one node (n1): a node failure is not covered until another node joins");
    }

    @Test
    void stopsAPairFromBeforeTheSwitchOnceAReplicaIsReady() {
        replicas.wanted = 1;
        replicas.current.add(new ReplicaPlanner.Replica("a", "n1", 1, true));

        ReplicaReconciler.reconcile(replicas, List.of("n1", "n2"));

        assertThat(replicas.pairStopped).isTrue();
        assertThat(replicas.launched).isZero();
    }
}
