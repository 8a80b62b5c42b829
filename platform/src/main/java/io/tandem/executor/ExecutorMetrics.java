package io.tandem.executor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.tandem.metrics.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/**
 * The executor's meters (names and meaning in {@code docs/metrics.md}): cold starts and their duration, instances
 * lost (failovers), promotions and recovery time per function and strategy, and, refreshed before each scrape,
 * instances per function, node and role, warm pools and node liveness.
 *
 * <p>Threads. The counters and timers are recorded on the executor's context, where the events happen; they are
 * thread-safe. The gauges are rebuilt by {@link #refresh} on the scraping thread from a snapshot
 * ({@link Executor#status()} and the pool sizes read its concurrent maps and volatile fields), never from the
 * executor's own collections while it changes them; {@code refresh} is synchronized so two scrapes do not
 * interleave their rows.
 */
public final class ExecutorMetrics {
    private final MeterRegistry registry;
    private final MultiGauge instances;
    private final MultiGauge poolInstances;
    private final MultiGauge poolSizes;
    private final MultiGauge nodeUp;

    public ExecutorMetrics(MeterRegistry registry) {
        this.registry = registry;
        instances = MultiGauge.builder("tandem.function.instances")
                .description("Instances serving a function, by node, role (active, standby, replica) and state").register(registry);
        poolInstances = MultiGauge.builder("tandem.pool.instances")
                .description("Generic warm instances of an environment's pool, by node and state").register(registry);
        poolSizes = MultiGauge.builder("tandem.pool.size")
                .description("Generic warm instances an environment keeps on each live node (its poolSize)").register(registry);
        nodeUp = MultiGauge.builder("tandem.node.up")
                .description("1 while a node's agent is alive (heartbeats arrive), 0 once it was declared dead").register(registry);
    }

    /** Meters that record nothing: for executors that nobody scrapes (tests). */
    public static ExecutorMetrics discard() {
        return new ExecutorMetrics(new CompositeMeterRegistry());
    }

    /**
     * An instance became ready to serve {@code function} after {@code took}: a warm instance specialized
     * ({@code kind} {@code specialize}, poolmgr's cold start) or a process launched for it ({@code launch}).
     */
    void coldStart(String function, String kind, Duration took) {
        Counter.builder("tandem.function.cold.starts").description("Instances made ready for a function: specializations of warm instances, or launches")
                .tags("function", function, "kind", kind).register(registry).increment();
        Timer.builder("tandem.function.cold.start.duration").description("Time to make an instance ready for a function, from the decision to ready")
                .serviceLevelObjectives(Metrics.STARTUP_BUCKETS.toArray(Duration[]::new))
                .tags("function", function, "kind", kind).register(registry).record(took);
    }

    /**
     * An instance that served {@code function} was lost unasked ({@code reason}: exited, node-dead, unreachable or
     * unresponsive) and its traffic moves: to the standby, the other replicas, or a new instance.
     */
    void failover(String function, String strategy, String role, String reason) {
        Counter.builder("tandem.function.failovers").description("Serving instances lost unasked, after which traffic moved elsewhere")
                .tags("function", function, "strategy", strategy, "role", role, "reason", reason).register(registry).increment();
    }

    /** A standby of {@code function} became its active. */
    void promoted(String function, String strategy) {
        Counter.builder("tandem.function.promotions").description("Standbys promoted to active")
                .tags("function", function, "strategy", strategy).register(registry).increment();
    }

    /** {@code function} serves again {@code took} after it lost an instance (a promotion, or a replacement ready). */
    void recovered(String function, String strategy, Duration took) {
        Timer.builder("tandem.function.recovery").description("Time from the loss of a serving instance to the promotion or replacement that serves instead")
                .serviceLevelObjectives(Metrics.STARTUP_BUCKETS.toArray(Duration[]::new))
                .tags("function", function, "strategy", strategy).register(registry).record(took);
    }

    /** Node {@code node} was declared dead. */
    void nodeDied(String node) {
        Counter.builder("tandem.node.failures").description("Nodes declared dead (a dropped event stream or missed heartbeats)")
                .tag("node", node).register(registry).increment();
    }

    /** Rebuilds the gauges from a snapshot of the cluster and the environments' pool sizes. Any thread. */
    synchronized void refresh(ExecutorStatus.Cluster cluster, Map<String, Integer> poolSizesByEnvironment) {
        Map<Tags, Integer> serving = new LinkedHashMap<>();
        Map<Tags, Integer> pooled = new LinkedHashMap<>();
        for (ExecutorStatus.InstanceStatus i : cluster.instances()) {
            if ("pool".equals(i.role())) {
                pooled.merge(Tags.of("environment", i.environment(), "node", i.node(), "state", i.state()), 1, Integer::sum);
            } else {
                serving.merge(Tags.of("function", i.function(), "node", i.node(), "role", i.role(), "state", i.state()), 1, Integer::sum);
            }
        }
        instances.register(rows(serving), true);
        poolInstances.register(rows(pooled), true);
        List<MultiGauge.Row<?>> sizes = new ArrayList<>();
        poolSizesByEnvironment.forEach((env, size) -> sizes.add(MultiGauge.Row.of(Tags.of("environment", env), size)));
        poolSizes.register(sizes, true);
        List<MultiGauge.Row<?>> up = new ArrayList<>();
        for (ExecutorStatus.NodeStatus n : cluster.nodes()) up.add(MultiGauge.Row.of(Tags.of("node", n.name()), "alive".equals(n.state()) ? 1 : 0));
        nodeUp.register(up, true);
    }

    private static List<MultiGauge.Row<?>> rows(Map<Tags, Integer> counts) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        counts.forEach((tags, n) -> rows.add(MultiGauge.Row.of(tags, n)));
        return rows;
    }
}
