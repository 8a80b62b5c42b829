package io.tandem.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.metrics.Metrics;
import io.tandem.metrics.PrometheusText;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecutorMetricsTest {
    private final Metrics metrics = Metrics.create();
    private final ExecutorMetrics executor = new ExecutorMetrics(metrics.registry());

    private static ExecutorStatus.InstanceStatus instance(String id, String function, String node, String role, String state) {
        return new ExecutorStatus.InstanceStatus(id, function, "java", node, role, state, 1, 1, 0);
    }

    private static ExecutorStatus.NodeStatus node(String name, String state) {
        return new ExecutorStatus.NodeStatus(name, "http://127.0.0.1:1", state, 1, Instant.EPOCH);
    }

    @Test
    void gaugesCountInstancesPerFunctionNodeAndRoleAndPoolsApart() {
        executor.refresh(new ExecutorStatus.Cluster(List.of(node("n1", "alive"), node("n2", "dead")), List.of(
                instance("a", "pay", "n1", "active", "ready"),
                instance("s", "pay", "n2", "standby", "ready"),
                instance("p1", null, "n1", "pool", "ready"),
                instance("p2", null, "n1", "pool", "ready")), List.of()), Map.of("java", 3));

        String text = metrics.scrape();
        assertThat(PrometheusText.sum(text, "tandem_function_instances", Map.of("function", "pay", "node", "n1", "role", "active"))).isEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_function_instances", Map.of("function", "pay", "role", "standby"))).isEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_pool_instances", Map.of("environment", "java", "node", "n1", "state", "ready"))).isEqualTo(2);
        assertThat(PrometheusText.sum(text, "tandem_pool_size", Map.of("environment", "java"))).isEqualTo(3);
        assertThat(PrometheusText.sum(text, "tandem_node_up", Map.of("node", "n1"))).isEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_node_up", Map.of("node", "n2"))).isZero();
        assertThat(PrometheusText.named(text, "tandem_node_up")).hasSize(2);
    }

    @Test
    void anInstanceThatIsGoneLeavesNoRowBehind() {
        executor.refresh(new ExecutorStatus.Cluster(List.of(), List.of(instance("a", "pay", "n1", "active", "ready")), List.of()), Map.of());
        executor.refresh(new ExecutorStatus.Cluster(List.of(), List.of(instance("b", "pay", "n2", "active", "ready")), List.of()), Map.of());

        var rows = PrometheusText.named(metrics.scrape(), "tandem_function_instances");
        assertThat(rows).singleElement().satisfies(r -> assertThat(r.labels()).containsEntry("node", "n2"));
    }

    @Test
    void recordsPromotionsFailoversAndRecoveryPerFunctionAndStrategy() {
        executor.failover("pay", "active-standby", "active", "exited");
        executor.promoted("pay", "active-standby");
        executor.recovered("pay", "active-standby", Duration.ofMillis(40));
        executor.coldStart("pay", "specialize", Duration.ofMillis(30));

        String text = metrics.scrape();
        assertThat(PrometheusText.sum(text, "tandem_function_failovers_total", Map.of("function", "pay", "reason", "exited"))).isEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_function_promotions_total", Map.of("function", "pay", "strategy", "active-standby"))).isEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_function_recovery_seconds_sum", Map.of("function", "pay"))).isEqualTo(0.04);
        assertThat(PrometheusText.sum(text, "tandem_function_cold_starts_total", Map.of("function", "pay", "kind", "specialize"))).isEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_function_cold_start_duration_seconds_bucket", Map.of("function", "pay", "le", "0.05"))).isEqualTo(1);
    }

    @Test
    void discardedMetricsRecordNothingAndFailNothing() {
        ExecutorMetrics discard = ExecutorMetrics.discard();
        discard.promoted("pay", "active-standby");
        discard.refresh(new ExecutorStatus.Cluster(List.of(), List.of(), List.of()), Map.of());
        assertThat(metrics.scrape()).doesNotContain("tandem_function_promotions_total");
    }
}
