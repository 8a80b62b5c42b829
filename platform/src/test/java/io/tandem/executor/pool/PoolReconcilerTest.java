package io.tandem.executor.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PoolReconcilerTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    /** Pools held in maps; records each launch as "env@node" and each instance reaped. */
    private static final class FakePools implements PoolReconciler.Pools {
        final List<Environment> environments = new ArrayList<>();
        final List<String> alive = new ArrayList<>();
        final Map<String, Map<String, Integer>> pooled = new HashMap<>();
        final Set<String> starting = new HashSet<>();
        final Set<String> backingOff = new HashSet<>();
        final Set<String> firstCallOn = new HashSet<>();
        boolean saturated;
        final List<String> launched = new ArrayList<>();
        final List<IdleReaper.Candidate> specialized = new ArrayList<>();
        final List<String> reaped = new ArrayList<>();

        @Override
        public Collection<Environment> environments() {
            return environments;
        }

        @Override
        public List<String> aliveNodes() {
            return alive;
        }

        @Override
        public Map<String, Integer> pooled(String environment) {
            return pooled.getOrDefault(environment, Map.of());
        }

        @Override
        public Set<String> nodesStarting() {
            return new HashSet<>(starting);
        }

        @Override
        public boolean backingOff(String environment, Instant now) {
            return backingOff.contains(environment);
        }

        @Override
        public boolean firstCallPending(String node, Instant now) {
            return firstCallOn.contains(node);
        }

        @Override
        public boolean deferred(String what, Instant now) {
            return saturated;
        }

        @Override
        public void launch(Environment env, String node) {
            launched.add(env.name() + "@" + node);
        }

        @Override
        public List<IdleReaper.Candidate> specialized() {
            return specialized;
        }

        @Override
        public void reap(String instanceId) {
            reaped.add(instanceId);
        }
    }

    private static Environment env(String name, Runtime runtime, int poolSize) {
        return new Environment(Metadata.named(name), new EnvironmentSpec(runtime, "cmd", poolSize, null));
    }

    private final FakePools pools = new FakePools();
    private final PoolReconciler reconciler = new PoolReconciler(pools);

    @Test
    void startsOneWarmInstancePerNodeAtATimeAcrossEnvironments() {
        pools.environments.addAll(List.of(env("java", Runtime.JAVA, 2), env("exec", Runtime.EXEC, 1)));
        pools.alive.addAll(List.of("n1", "n2"));

        reconciler.reconcile(NOW);

        assertThat(pools.launched).containsExactly("java@n1", "java@n2");
    }

    @Test
    void leavesFullNodesAndNodesAlreadyStartingOne() {
        pools.environments.add(env("java", Runtime.JAVA, 1));
        pools.alive.addAll(List.of("n1", "n2", "n3"));
        pools.pooled.put("java", Map.of("n1", 1));
        pools.starting.add("n2");

        reconciler.reconcile(NOW);

        assertThat(pools.launched).containsExactly("java@n3");
    }

    @Test
    void refillsNoNodeWhileTheFirstCallOfItsColdStartIsOnItsWay() {
        pools.environments.add(env("java", Runtime.JAVA, 1));
        pools.alive.addAll(List.of("n1", "n2"));
        pools.firstCallOn.add("n1");

        reconciler.reconcile(NOW);
        assertThat(pools.launched).containsExactly("java@n2");

        pools.firstCallOn.clear();
        pools.starting.add("n2");
        reconciler.reconcile(NOW);
        assertThat(pools.launched).containsExactly("java@n2", "java@n1");
    }

    @Test
    void startsNothingForHttpEnvironmentsBackedOffPoolsOrASaturatedMachine() {
        pools.environments.addAll(List.of(env("web", Runtime.HTTP, 2), env("java", Runtime.JAVA, 1)));
        pools.alive.add("n1");
        pools.backingOff.add("java");

        reconciler.reconcile(NOW);
        assertThat(pools.launched).isEmpty();

        pools.backingOff.clear();
        pools.saturated = true;
        reconciler.reconcile(NOW);
        assertThat(pools.launched).isEmpty();
    }

    @Test
    void reapsOnlySpecializedInstancesUnusedForTheirIdleTimeout() {
        Duration timeout = Duration.ofMinutes(5);
        pools.specialized.addAll(List.of(
                new IdleReaper.Candidate("i-old", NOW.minus(timeout), timeout),
                new IdleReaper.Candidate("i-recent", NOW.minus(timeout).plusSeconds(1), timeout),
                new IdleReaper.Candidate("i-short", NOW.minusSeconds(30), Duration.ofSeconds(10))));

        reconciler.reapIdle(NOW);

        assertThat(pools.reaped).containsExactly("i-old", "i-short");
        assertThat(pools.launched).isEmpty();
    }
}
