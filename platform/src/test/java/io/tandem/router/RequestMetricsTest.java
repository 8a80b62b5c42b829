package io.tandem.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.metrics.Metrics;
import io.tandem.metrics.PrometheusText;
import io.tandem.model.CodeRef;
import io.tandem.model.ExecutorType;
import io.tandem.model.FunctionSpec;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RequestMetricsTest {
    private final Metrics metrics = Metrics.create();
    private final RequestMetrics.Recorder recorder = RequestMetrics.on(metrics.registry()).recorder();
    private final Routes.FunctionRoute users = function("users");

    private static Routes.FunctionRoute function(String name) {
        FunctionSpec spec = new FunctionSpec("java", new CodeRef("0".repeat(64), "users.jar", 1, CodeRef.PackageKind.JAR), "example.Users", ExecutorType.POOLMGR,
                null, null, null, null, null, null, null);
        return new Routes.FunctionRoute(name, spec);
    }

    private static Answer.Sent answered(long functionNanos, long coldWaitNanos, int attempts) {
        return new Answer.Sent(attempts, OptionalLong.of(functionNanos), coldWaitNanos);
    }

    private static Answer.Sent unanswered(long coldWaitNanos, int attempts) {
        return new Answer.Sent(attempts, OptionalLong.empty(), coldWaitNanos);
    }

    @Test
    void countsCallsPerFunctionRouteMethodAndCode() {
        for (int i = 0; i < 3; i++) recorder.sent(users, "/users/{id}", "GET", 200, 2_000_000, answered(1_000_000, 0, 1));
        recorder.sent(users, "/users/{id}", "GET", 404, 2_000_000, answered(1_000_000, 0, 1));
        recorder.sent(users, RequestMetrics.FUNCTION_ROUTE, "POST", 200, 2_000_000, answered(1_000_000, 0, 1));

        String text = metrics.scrape();
        assertThat(PrometheusText.sum(text, "tandem_function_calls_total",
                Map.of("function", "users", "route", "/users/{id}", "method", "GET", "code", "200"))).isEqualTo(3);
        assertThat(PrometheusText.sum(text, "tandem_function_calls_total", Map.of("code", "404"))).isEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_function_calls_total", Map.of("route", "/function/{name}", "method", "POST"))).isEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_function_duration_seconds_count", Map.of("function", "users"))).isEqualTo(5);
    }

    @Test
    void countsOnly5xxAsErrors() {
        recorder.sent(users, "/users/{id}", "GET", 404, 1_000, answered(500, 0, 1));
        recorder.sent(users, "/users/{id}", "GET", 502, 1_000, unanswered(0, 1));
        recorder.sent(users, "/users/{id}", "GET", 500, 1_000, answered(500, 0, 1));

        String text = metrics.scrape();
        assertThat(PrometheusText.sum(text, "tandem_function_errors_total", Map.of("function", "users"))).isEqualTo(2);
        assertThat(PrometheusText.sum(text, "tandem_function_errors_total", Map.of("code", "404"))).isZero();
    }

    @Test
    void overheadIsTheTimeBesidesTheFunctionsAnswerAndTheColdStart() {
        // 10 ms in all: 6 ms the function's answer, 3 ms waiting for a cold start, so 1 ms of the router's own.
        recorder.sent(users, "/users/{id}", "GET", 200, 10_000_000, answered(6_000_000, 3_000_000, 1));

        String text = metrics.scrape();
        assertThat(PrometheusText.sum(text, "tandem_function_overhead_seconds_sum", Map.of("function", "users"))).isCloseTo(0.001, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(PrometheusText.sum(text, "tandem_function_cold_wait_seconds_sum", Map.of("function", "users"))).isCloseTo(0.003, org.assertj.core.data.Offset.offset(1e-9));
        // Fixed buckets: 1 ms falls in le="0.001" and every bucket above it.
        assertThat(PrometheusText.sum(text, "tandem_function_overhead_seconds_bucket", Map.of("function", "users", "le", "0.001"))).isEqualTo(1);
        assertThat(PrometheusText.named(text, "tandem_function_overhead_seconds_bucket"))
                .filteredOn(s -> s.labels().get("le").equals("5.0E-4")).singleElement().satisfies(s -> assertThat(s.value()).isZero());
    }

    @Test
    void aCallNoInstanceAnsweredHasNoOverheadSample() {
        recorder.sent(users, "/users/{id}", "GET", 504, 60_000_000, unanswered(0, 1));

        String text = metrics.scrape();
        assertThat(PrometheusText.sum(text, "tandem_function_overhead_seconds_count", Map.of("function", "users"))).isZero();
        assertThat(PrometheusText.sum(text, "tandem_function_calls_total", Map.of("code", "504"))).isEqualTo(1);
    }

    @Test
    void aCallRefusedBeforeAnySendIsCountedWithoutOverheadColdWaitOrResend() {
        recorder.refused(users, "/users/{id}", "GET", 503, 1_000);

        String text = metrics.scrape();
        assertThat(PrometheusText.sum(text, "tandem_function_calls_total", Map.of("function", "users", "code", "503"))).isEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_function_overhead_seconds_count", Map.of("function", "users"))).isZero();
        assertThat(PrometheusText.sum(text, "tandem_function_cold_wait_seconds_count", Map.of("function", "users"))).isZero();
        assertThat(PrometheusText.sum(text, "tandem_function_resent_requests_total", Map.of("function", "users"))).isZero();
    }

    @Test
    void countsRequestsSentMoreThanOnceWithTheFunctionsStrategy() {
        recorder.sent(users, "/users/{id}", "GET", 200, 1_000, answered(500, 0, 1));
        recorder.sent(users, "/users/{id}", "GET", 200, 1_000, answered(500, 0, 3));

        String text = metrics.scrape();
        assertThat(PrometheusText.sum(text, "tandem_function_resent_requests_total", Map.of("function", "users", "strategy", "retry"))).isEqualTo(1);
    }

    @Test
    void unknownMethodsAndCodesDoNotGrowTheLabelSet() {
        for (int i = 0; i < 50; i++) recorder.sent(users, "/users/{id}", "X" + i, 700 + i, 1_000, answered(500, 0, 1));

        String text = metrics.scrape();
        var calls = PrometheusText.named(text, "tandem_function_calls_total");
        assertThat(calls).hasSize(1);
        assertThat(calls.getFirst().labels()).containsEntry("method", "OTHER").containsEntry("code", "other");
        assertThat(calls.getFirst().value()).isEqualTo(50);
    }

    @Test
    void unroutedRequestsAreCountedByCodeOnly() {
        recorder.unrouted(404);
        recorder.unrouted(404);

        String text = metrics.scrape();
        var unrouted = PrometheusText.named(text, "tandem_router_unrouted_requests_total");
        assertThat(unrouted).singleElement().satisfies(s -> {
            assertThat(s.labels()).containsOnlyKeys("code");
            assertThat(s.value()).isEqualTo(2);
        });
    }

    @Test
    void twoEventLoopsShareOneSeries() {
        RequestMetrics requests = RequestMetrics.on(metrics.registry());
        requests.recorder().sent(users, "/users/{id}", "GET", 200, 1_000, answered(500, 0, 1));
        requests.recorder().sent(users, "/users/{id}", "GET", 200, 1_000, answered(500, 0, 1));

        assertThat(PrometheusText.sum(metrics.scrape(), "tandem_function_calls_total", Map.of("function", "users"))).isEqualTo(2);
    }

    @Test
    void offRecordsNothing() {
        assertThat(RequestMetrics.off().enabled()).isFalse();
        assertThat(RequestMetrics.off().recorder()).isNull();
    }
}
