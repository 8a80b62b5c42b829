package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.chaos.Chaos;
import io.tandem.chaos.ClusterStatus;
import io.tandem.metrics.PrometheusText;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Metrics through a failover and a controller restart: the server's counters record the promotion, and a scraper
 * running all along gets every scrape answered with counters that never go back.
 */
class MetricsFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** A scrape interval far shorter than Prometheus's (15 s by default), yet not a busy loop on a 2-core machine. */
    private static final Duration INTERVAL = Duration.ofMillis(100);

    /** Scrapes one URI every {@link #INTERVAL}, as Prometheus would; keeps each answer's status and one counter's value. */
    private static final class Scraper implements AutoCloseable {
        final List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        final List<Double> calls = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Scraper(RunningServer tandem, URI uri, String function) {
            thread = Thread.ofPlatform().name("scraper").start(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> r = tandem.http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                                HttpResponse.BodyHandlers.ofString());
                        statuses.add(r.statusCode());
                        if (r.statusCode() == 200) calls.add(PrometheusText.sum(r.body(), "tandem_function_calls_total", Map.of("function", function)));
                    } catch (Exception e) {
                        statuses.add(0);
                    }
                    try {
                        Thread.sleep(INTERVAL); // the scrape interval, not a wait for a condition
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(Duration.ofSeconds(20));
        }
    }

    private static List<ClusterStatus.Instance> ready(Chaos chaos, String function, String role) {
        return chaos.status().instancesOf(function).stream().filter(i -> i.role().equals(role) && i.state().equals("ready")).toList();
    }

    private static ClusterStatus.Instance awaitPair(Chaos chaos, String function, String notActive) {
        await().atMost(WAIT).until(() -> {
            List<ClusterStatus.Instance> a = ready(chaos, function, "active");
            List<ClusterStatus.Instance> s = ready(chaos, function, "standby");
            return a.size() == 1 && !a.getFirst().id().equals(notActive) && s.size() == 1;
        });
        return ready(chaos, function, "active").getFirst();
    }

    private static double metric(RunningServer tandem, String name, Map<String, String> labels) throws Exception {
        HttpResponse<String> r = tandem.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        return PrometheusText.sum(r.body(), name, labels);
    }

    @Test
    void aPromotionAndAControllerRestartAreCountedAndNoScrapeFailsOrGoesBack() throws Exception {
        Path jar = RunningServer.repoRoot().resolve("examples/hello/target/hello.jar");
        assertThat(jar).as("built by the examples module").exists();
        try (RunningServer tandem = new RunningServer(2)) {
            assertThat(tandem.cli("fn", "create", "--name", "pay", "--env", "java", "--code", jar.toString(),
                    "--entrypoint", "example.Hello", "--executor", "newdeploy", "--strategy", "active-standby")).isZero();
            Chaos chaos = Chaos.local(tandem.client);
            ClusterStatus.Instance active = awaitPair(chaos, "pay", null);
            assertThat(metric(tandem, "tandem_function_instances", Map.of("function", "pay", "role", "active", "state", "ready"))).isEqualTo(1);
            assertThat(metric(tandem, "tandem_function_instances", Map.of("function", "pay", "role", "standby", "state", "ready"))).isEqualTo(1);

            AtomicInteger ok = new AtomicInteger();
            AtomicBoolean calling = new AtomicBoolean(true);
            Thread caller = Thread.ofPlatform().name("caller").start(() -> {
                while (calling.get()) {
                    try {
                        if (tandem.get("/function/pay").statusCode() == 200) ok.incrementAndGet();
                    } catch (Exception e) {
                        // counted by the router as it saw it; this test checks the metrics, not the failover
                    }
                }
            });
            try (Scraper scraper = new Scraper(tandem, tandem.router("/metrics"), "pay")) {
                await().atMost(WAIT).until(() -> ok.get() >= 20);
                chaos.killInstanceById("pay", active.id());
                awaitPair(chaos, "pay", active.id());
                int before = ok.get();
                await().atMost(WAIT).until(() -> ok.get() >= before + 20);
                chaos.killController();
                int during = ok.get();
                await().atMost(WAIT).until(() -> ok.get() >= during + 20);
                await().atMost(WAIT).ignoreExceptions().until(() -> tandem.http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + tandem.server.apiPort() + "/readyz")).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
                calling.set(false);
                caller.join(Duration.ofSeconds(30));
                scraper.close();

                assertThat(scraper.statuses).as("every scrape of the router, during the failover and the controller's restart").isNotEmpty().containsOnly(200);
                List<Double> seen = List.copyOf(scraper.calls);
                for (int i = 1; i < seen.size(); i++) assertThat(seen.get(i)).as("calls_total at scrape " + i).isGreaterThanOrEqualTo(seen.get(i - 1));
            }

            assertThat(metric(tandem, "tandem_function_promotions_total", Map.of("function", "pay", "strategy", "active-standby"))).isGreaterThanOrEqualTo(1);
            assertThat(metric(tandem, "tandem_function_failovers_total", Map.of("function", "pay", "strategy", "active-standby", "role", "active"))).isGreaterThanOrEqualTo(1);
            assertThat(metric(tandem, "tandem_function_recovery_seconds_count", Map.of("function", "pay", "strategy", "active-standby"))).isGreaterThanOrEqualTo(1);
            assertThat(metric(tandem, "tandem_function_calls_total", Map.of("function", "pay", "code", "200"))).isGreaterThanOrEqualTo(ok.get());
        }
    }
}
