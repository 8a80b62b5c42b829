package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.metrics.PrometheusText;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics}, {@code /healthz} and {@code /readyz} of a real server: the counters match the requests sent, and
 * Prometheus's own tools ({@code promtool}, a {@code prometheus} on loopback) read what the router and the
 * controller expose. The Prometheus tests are skipped only when the binaries are absent (scripts/test.sh installs
 * Debian's {@code prometheus} package when it can).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int CALLS = 12;
    private static final int TRIGGER_CALLS = 5;
    static RunningServer tandem;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        tandem = new RunningServer(1);
        Path script = RunningServer.repoRoot().resolve("examples/exec/hello.sh");
        assertThat(tandem.cli("fn", "create", "--name", "m-hello", "--env", "exec", "--code", script.toString())).isZero();
        assertThat(tandem.cli("route", "create", "--function", "m-hello", "--method", "GET", "--path", "/items/{id}")).isZero();
    }

    @AfterAll
    static void stop() throws Exception {
        if (tandem != null) tandem.close();
    }

    private static String scrape(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> r = tandem.http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        return r.body();
    }

    private static URI api(String path) {
        return URI.create("http://127.0.0.1:" + tandem.server.apiPort() + path);
    }

    private static int status(URI uri) throws IOException, InterruptedException {
        return tandem.http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    @Order(1)
    void healthAndReadinessAnswerWithoutATokenOnTheRouterAndTheController() throws Exception {
        assertThat(status(tandem.router("/healthz"))).isEqualTo(200);
        assertThat(status(tandem.router("/readyz"))).isEqualTo(200);
        assertThat(status(api("/healthz"))).isEqualTo(200);
        assertThat(status(api("/readyz"))).isEqualTo(200);
        assertThat(status(api("/metrics"))).isEqualTo(200);
        assertThat(status(api("/v1/functions"))).as("the API itself still needs the token").isEqualTo(401);
    }

    @Test
    @Order(2)
    void theCallCounterMatchesTheRequestsSentPerFunctionRouteMethodAndCode() throws Exception {
        for (int i = 0; i < CALLS; i++) assertThat(tandem.get("/function/m-hello").statusCode()).isEqualTo(200);
        for (int i = 0; i < TRIGGER_CALLS; i++) assertThat(tandem.get("/items/" + i).statusCode()).isEqualTo(200);
        assertThat(tandem.get("/no-such-path").statusCode()).isEqualTo(404);

        String text = scrape(tandem.router("/metrics"));
        assertThat(PrometheusText.sum(text, "tandem_function_calls_total",
                Map.of("function", "m-hello", "route", "/function/{name}", "method", "GET", "code", "200"))).isEqualTo(CALLS);
        assertThat(PrometheusText.sum(text, "tandem_function_calls_total",
                Map.of("function", "m-hello", "route", "/items/{id}", "method", "GET", "code", "200"))).isEqualTo(TRIGGER_CALLS);
        assertThat(PrometheusText.sum(text, "tandem_function_duration_seconds_count", Map.of("function", "m-hello"))).isEqualTo(CALLS + TRIGGER_CALLS);
        assertThat(PrometheusText.sum(text, "tandem_function_errors_total", Map.of("function", "m-hello"))).isZero();
        assertThat(PrometheusText.sum(text, "tandem_router_unrouted_requests_total", Map.of("code", "404"))).isEqualTo(1);
        assertThat(text).as("raw paths never become label values").doesNotContain("/items/1\"", "/no-such-path");
        // The executor's side, in the same registry: the first call specialized or launched an instance.
        assertThat(PrometheusText.sum(text, "tandem_function_cold_starts_total", Map.of("function", "m-hello"))).isGreaterThanOrEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_node_up", Map.of("node", "n1"))).isEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_pool_size", Map.of("environment", "java"))).isEqualTo(EnvironmentSpec.DEFAULT_POOL_SIZE);
    }

    @Test
    @Order(3)
    void theControllerCountsItsApiRequestsByRouteTemplate() throws Exception {
        tandem.client.get("/v1/functions/m-hello");
        String text = scrape(api("/metrics"));
        assertThat(PrometheusText.sum(text, "tandem_api_request_duration_seconds_count",
                Map.of("method", "GET", "route", "/v1/functions/:name", "code", "200"))).isGreaterThanOrEqualTo(1);
        assertThat(PrometheusText.sum(text, "tandem_store_revision", Map.of())).isGreaterThan(0);
        assertThat(text).doesNotContain("route=\"/v1/functions/m-hello\"");
    }

    @Test
    @Order(4)
    void promtoolAcceptsWhatTheRouterAndTheControllerExpose() throws Exception {
        Path promtool = binary("promtool");
        for (URI uri : new URI[] {tandem.router("/metrics"), api("/metrics")}) {
            Path file = tmp.resolve("scrape.txt");
            Files.writeString(file, scrape(uri));
            Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(file.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(uri + ": promtool says\n" + out).isZero();
        }
    }

    @Test
    @Order(5)
    void aRealPrometheusScrapesBothRolesAndSeesTheRequestsSent() throws Exception {
        Path prometheus = binary("prometheus");
        int port = freePort();
        Path config = tmp.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: tandem-server
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                  - job_name: tandem-controller
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(tandem.server.routerPort(), tandem.server.apiPort()));
        Process p = new ProcessBuilder(prometheus.toString(), "--config.file=" + config, "--storage.tsdb.path=" + tmp.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
        try {
            String calls = "sum(tandem_function_calls_total{function=\"m-hello\",code=\"200\"})";
            await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(query(port, calls)).isEqualTo(CALLS + TRIGGER_CALLS));
            await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(query(port, "up{job=\"tandem-controller\"}")).isEqualTo(1));
            await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(query(port, "up{job=\"tandem-server\"}")).isEqualTo(1));
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        }
    }

    /** The single value of an instant query, via Prometheus's HTTP API. */
    private static double query(int port, String promql) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        HttpResponse<String> r = tandem.http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode result = Json.MAPPER.readTree(r.body()).path("data").path("result");
        assertThat(result.size()).as(promql + " -> " + r.body()).isEqualTo(1);
        return result.get(0).path("value").get(1).asDouble();
    }

    static Path binary(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p;
        }
        Assumptions.abort(name + " is not installed: install Debian's prometheus package (scripts/test.sh does when it can)");
        throw new AssertionError("unreachable");
    }

    private static int freePort() throws IOException {
        return io.tandem.http.FreePort.loopback();
    }
}
