package io.tandem.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which process each chaos action picks, and what it says when it cannot, from statuses built by hand. */
class TargetsTest {
    static final ClusterStatus.Node N1 = new ClusterStatus.Node("n1", "alive", 100);
    static final ClusterStatus.Node N2 = new ClusterStatus.Node("n2", "alive", 200);

    static ClusterStatus.Instance instance(String id, String function, String node, String role, String state, long pid) {
        return new ClusterStatus.Instance(id, function, node, role, state, pid);
    }

    static ClusterStatus status(ClusterStatus.Instance... instances) {
        return new ClusterStatus(List.of(N1, N2), List.of(instances));
    }

    @Test
    void prefersTheActiveInstanceByDefault() {
        ClusterStatus s = status(instance("hello-1", "hello", "n1", "standby", "ready", 11),
                instance("hello-2", "hello", "n2", "active", "ready", 12));
        assertThat(Targets.instance(s, "hello", null).id()).isEqualTo("hello-2");
    }

    @Test
    void takesAnyReadyInstanceWhenTheFunctionHasNoActiveOne() {
        ClusterStatus s = status(instance("hello-1", "hello", "n1", "replica", "starting", 0),
                instance("hello-2", "hello", "n2", "replica", "ready", 12),
                instance("other-1", "other", "n1", "replica", "ready", 13));
        assertThat(Targets.instance(s, "hello", null).id()).isEqualTo("hello-2");
    }

    @Test
    void picksTheReadyInstanceOfTheRoleAsked() {
        ClusterStatus s = status(instance("hello-1", "hello", "n1", "active", "ready", 11),
                instance("hello-2", "hello", "n2", "standby", "ready", 12));
        assertThat(Targets.instance(s, "hello", "standby").id()).isEqualTo("hello-2");
        assertThat(Targets.instance(s, "hello", "any").id()).isEqualTo("hello-1");
    }

    @Test
    void aMissingRoleIsRefusedNamingTheRolesTheFunctionHas() {
        ClusterStatus s = status(instance("hello-1", "hello", "n1", "replica", "ready", 11),
                instance("hello-2", "hello", "n2", "pool", "ready", 12));
        assertThatThrownBy(() -> Targets.instance(s, "hello", "standby")).isInstanceOf(ChaosException.class)
                .hasMessageContaining("no instance with role standby").hasMessageContaining("pool, replica")
                .hasMessageContaining("--role any");
    }

    @Test
    void anActiveInstanceThatIsNotReadyIsRefusedWithItsState() {
        ClusterStatus s = status(instance("hello-1", "hello", "n1", "active", "starting", 0),
                instance("hello-2", "hello", "n2", "standby", "ready", 12));
        assertThatThrownBy(() -> Targets.instance(s, "hello", null)).isInstanceOf(ChaosException.class)
                .hasMessageContaining("no active instance of function 'hello' is ready").hasMessageContaining("hello-1 is starting");
    }

    @Test
    void aFunctionWithoutInstancesIsRefusedWithHowToGetOne() {
        ClusterStatus s = status(instance("other-1", "other", "n1", "replica", "ready", 11));
        assertThatThrownBy(() -> Targets.instance(s, "hello", null)).isInstanceOf(ChaosException.class)
                .hasMessageContaining("function 'hello' has no instances").hasMessageContaining("tandem fn test --name hello");
    }

    @Test
    void anUnknownRoleIsABadArgument() {
        assertThatThrownBy(() -> Targets.instance(status(), "hello", "leader")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown role 'leader'");
    }

    @Test
    void findsAnInstanceByIdAndListsTheOthersWhenItIsNotThere() {
        ClusterStatus s = status(instance("hello-1", "hello", "n1", "replica", "ready", 11),
                instance("hello-2", "hello", "n2", "replica", "ready", 12));
        assertThat(Targets.instanceById(s, "hello", "hello-2").pid()).isEqualTo(12);
        assertThatThrownBy(() -> Targets.instanceById(s, "hello", "hello-9")).isInstanceOf(ChaosException.class)
                .hasMessageContaining("no instance hello-9").hasMessageContaining("hello-1, hello-2");
    }

    @Test
    void anInstanceWithoutAProcessIsNotRunning() {
        ClusterStatus s = status(instance("hello-1", "hello", "n1", "replica", "starting", 0));
        assertThatThrownBy(() -> Targets.instanceById(s, "hello", "hello-1")).isInstanceOf(ChaosException.class)
                .hasMessageContaining("instance hello-1 of function 'hello' is not running");
    }

    @Test
    void aNodeTargetsItsAgentAndTheInstancesWithAProcessOnIt() {
        ClusterStatus s = status(instance("a-1", "a", "n1", "replica", "ready", 11), instance("a-2", "a", "n2", "replica", "ready", 12),
                instance("b-1", "b", "n1", "pool", "starting", 0));
        Targets.NodeTargets t = Targets.node(s, "n1");
        assertThat(t.node().pid()).isEqualTo(100);
        assertThat(t.instances()).extracting(ClusterStatus.Instance::id).containsExactly("a-1");
    }

    @Test
    void anUnknownNodeIsRefusedListingTheKnownOnes() {
        assertThatThrownBy(() -> Targets.node(status(), "n9")).isInstanceOf(ChaosException.class)
                .hasMessageContaining("no node 'n9'").hasMessageContaining("n1, n2");
    }

    @Test
    void aDeadNodeIsRefused() {
        ClusterStatus s = new ClusterStatus(List.of(new ClusterStatus.Node("n1", "dead", 100)), List.of());
        assertThatThrownBy(() -> Targets.node(s, "n1")).isInstanceOf(ChaosException.class).hasMessageContaining("already dead");
    }
}
