package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.chaos.Chaos;
import io.tandem.chaos.ClusterStatus;
import io.tandem.chaos.Freeze;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Active-standby and replicate against real failures: real instance and agent processes are SIGKILLed or
 * SIGSTOPped while concurrent clients call the function through the router, and not one idempotent request may fail.
 */
class FailoverEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int CLIENTS = 4;

    /** Concurrent clients calling one function until stopped; every answer's status is counted. */
    private static final class Load implements AutoCloseable {
        final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Load(URI target) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            for (int c = 0; c < CLIENTS; c++) {
                threads.add(Thread.ofPlatform().name("load-" + c).start(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30)).GET().build(),
                                    HttpResponse.BodyHandlers.ofString());
                            statuses.computeIfAbsent(r.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                            if (r.statusCode() != 200) failures.add(r.statusCode() + " " + r.body());
                        } catch (Exception e) {
                            statuses.computeIfAbsent(0, s -> new AtomicInteger()).incrementAndGet();
                            failures.add(e.toString());
                        }
                    }
                }));
            }
        }

        int ok() {
            return statuses.getOrDefault(200, new AtomicInteger()).get();
        }

        /** Waits until {@code more} further requests succeeded, so the load is known to run at that moment. */
        void awaitMoreSuccesses(int more) {
            int target = ok() + more;
            await().atMost(WAIT).until(() -> ok() >= target || !failures.isEmpty());
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) t.join(Duration.ofSeconds(40));
        }
    }

    private static Path helloJar() {
        Path jar = RunningServer.repoRoot().resolve("examples/hello/target/hello.jar");
        assertThat(jar).as("built by the examples module").exists();
        return jar;
    }

    private static void deploy(RunningServer tandem, String name, String strategy) {
        assertThat(tandem.cli("fn", "create", "--name", name, "--env", "java", "--code", helloJar().toString(),
                "--entrypoint", "example.Hello", "--executor", "newdeploy", "--strategy", strategy)).isZero();
    }

    private static List<ClusterStatus.Instance> ready(Chaos chaos, String function, String role) {
        return chaos.status().instancesOf(function).stream().filter(i -> i.role().equals(role) && i.state().equals("ready")).toList();
    }

    /** Waits for a pair whose members run on different nodes, and returns its active. */
    private static ClusterStatus.Instance awaitPairOnTwoNodes(Chaos chaos, String function, String notActive) {
        await().atMost(WAIT).until(() -> {
            List<ClusterStatus.Instance> a = ready(chaos, function, "active");
            List<ClusterStatus.Instance> s = ready(chaos, function, "standby");
            return a.size() == 1 && !a.getFirst().id().equals(notActive) && s.size() == 1 && !s.getFirst().node().equals(a.getFirst().node());
        });
        return ready(chaos, function, "active").getFirst();
    }

    @Test
    void switchingALiveFunctionsStrategyWithFnUpdateDropsNoRequest() throws Exception {
        try (RunningServer tandem = new RunningServer(2)) {
            deploy(tandem, "pay", "retry");
            Chaos chaos = Chaos.local(tandem.client);
            await().atMost(WAIT).until(() -> ready(chaos, "pay", "replica").size() == 1);

            try (Load load = new Load(tandem.router("/function/pay"))) {
                load.awaitMoreSuccesses(50);
                assertThat(tandem.cli("fn", "update", "--name", "pay", "--strategy", "active-standby")).isZero();
                awaitPairOnTwoNodes(chaos, "pay", null);
                load.awaitMoreSuccesses(50);
                assertThat(tandem.cli("fn", "update", "--name", "pay", "--strategy", "replicate", "--replicas", "2")).isZero();
                await().atMost(WAIT).until(() -> ready(chaos, "pay", "replica").size() == 2 && ready(chaos, "pay", "active").isEmpty());
                load.awaitMoreSuccesses(50);
                assertThat(tandem.cli("fn", "update", "--name", "pay", "--strategy", "retry")).isZero();
                await().atMost(WAIT).until(() -> ready(chaos, "pay", "replica").size() == 1);
                load.awaitMoreSuccesses(50);
                load.close();

                assertThat(load.failures).as("requests that failed while the strategy changed").isEmpty();
                assertThat(load.statuses.keySet()).containsOnly(200);
            }
            assertThat(tandem.client.get("/v1/functions/pay").path("spec").path("faultTolerance").path("strategy").asText()).isEqualTo("retry");
        }
    }

    @Test
    void killingTheActiveInstanceUnderLoadFailsNoRequestAndAStandbyIsStartedOnAnotherNode() throws Exception {
        try (RunningServer tandem = new RunningServer(2)) {
            deploy(tandem, "pay", "active-standby");
            Chaos chaos = Chaos.local(tandem.client);
            ClusterStatus.Instance active = awaitPairOnTwoNodes(chaos, "pay", null);

            try (Load load = new Load(tandem.router("/function/pay"))) {
                load.awaitMoreSuccesses(50);
                chaos.killInstanceById("pay", active.id());
                ClusterStatus.Instance promoted = awaitPairOnTwoNodes(chaos, "pay", active.id());
                load.awaitMoreSuccesses(50);
                load.close();

                assertThat(promoted.id()).isNotEqualTo(active.id());
                assertThat(load.failures).isEmpty();
                assertThat(load.statuses.keySet()).containsOnly(200);
            }
        }
    }

    @Test
    void killingTheActivesNodeUnderLoadFailsNoRequestAndThePairIsRebuiltOnTheLiveNodes() throws Exception {
        try (RunningServer tandem = new RunningServer(3)) {
            deploy(tandem, "pay", "active-standby");
            Chaos chaos = Chaos.local(tandem.client);
            ClusterStatus.Instance active = awaitPairOnTwoNodes(chaos, "pay", null);

            try (Load load = new Load(tandem.router("/function/pay"))) {
                load.awaitMoreSuccesses(50);
                chaos.killNode(active.node());
                ClusterStatus.Instance promoted = awaitPairOnTwoNodes(chaos, "pay", active.id());
                load.awaitMoreSuccesses(50);
                load.close();

                assertThat(promoted.node()).isNotEqualTo(active.node());
                await().atMost(WAIT).until(() -> ready(chaos, "pay", "standby").stream().anyMatch(s -> !s.node().equals(active.node())));
                assertThat(load.failures).isEmpty();
            }
        }
    }

    @Test
    void aFrozenActiveIsFailedOverUnderLoadAndNeverAnswersAgainOnceItWakes() throws Exception {
        try (RunningServer tandem = new RunningServer(3)) {
            deploy(tandem, "pay", "active-standby");
            Chaos chaos = Chaos.local(tandem.client);
            ClusterStatus.Instance active = awaitPairOnTwoNodes(chaos, "pay", null);
            int oldPort = 0;
            for (var i : tandem.client.get("/v1/status").path("instances")) {
                if (i.path("id").asText().equals(active.id())) oldPort = i.path("port").asInt();
            }
            assertThat(oldPort).isPositive();

            try (Load load = new Load(tandem.router("/function/pay"))) {
                load.awaitMoreSuccesses(50);
                try (Freeze freeze = chaos.freezeNode(active.node())) {
                    awaitPairOnTwoNodes(chaos, "pay", active.id());
                    load.awaitMoreSuccesses(50);
                    freeze.thaw();
                    // Awake again, with a lapsed lease: whatever it is asked, it serves nothing.
                    HttpClient direct = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
                    for (String epoch : List.of("1", "2")) {
                        Optional<HttpResponse<String>> answer = call(direct, URI.create("http://127.0.0.1:" + oldPort + "/"), epoch);
                        answer.ifPresent(r -> assertThat(r.statusCode()).as("old active answered " + r.body()).isEqualTo(503));
                        answer.ifPresent(r -> assertThat(r.headers().firstValue("X-Tandem-Fenced")).contains("true"));
                    }
                }
                load.awaitMoreSuccesses(50);
                load.close();
                assertThat(load.failures).isEmpty();
            }
            // The woken node re-registers and the old active is cleaned up.
            await().atMost(WAIT).until(() -> chaos.status().instancesOf("pay").stream().noneMatch(i -> i.id().equals(active.id())));
        }
    }

    @Test
    void whenActiveAndStandbyAreKilledAtOnceANewPairServesEveryWaitingRequest() throws Exception {
        try (RunningServer tandem = new RunningServer(2)) {
            deploy(tandem, "pay", "active-standby");
            Chaos chaos = Chaos.local(tandem.client);
            ClusterStatus.Instance active = awaitPairOnTwoNodes(chaos, "pay", null);
            ClusterStatus.Instance standby = ready(chaos, "pay", "standby").getFirst();

            try (Load load = new Load(tandem.router("/function/pay"))) {
                load.awaitMoreSuccesses(50);
                ProcessHandle.of(active.pid()).orElseThrow().destroyForcibly();
                ProcessHandle.of(standby.pid()).orElseThrow().destroyForcibly();
                ClusterStatus.Instance rebuilt = awaitPairOnTwoNodes(chaos, "pay", active.id());
                load.awaitMoreSuccesses(50);
                load.close();

                assertThat(rebuilt.id()).isNotEqualTo(standby.id());
                assertThat(ready(chaos, "pay", "standby")).noneMatch(i -> i.id().equals(standby.id()));
                assertThat(load.failures).as("requests that failed while the function had no instance").isEmpty();
            }
        }
    }

    /**
     * A function that keeps both cores busy for seconds is slow, not dead: its probes are answered off the
     * function's threads and the instance runs below the platform's priority, so the default 100 ms x 3 detection
     * must not fail it over. Every call answers, and the active stays the same instance at the same epoch.
     */
    @Test
    void anActiveSaturatingTheCoresWithSlowCallsIsNotFailedOver() throws Exception {
        try (RunningServer tandem = new RunningServer(2)) {
            Path jar = RunningServer.repoRoot().resolve("examples/fibonacci/target/fibonacci.jar");
            assertThat(tandem.cli("fn", "create", "--name", "fib", "--env", "java", "--code", jar.toString(),
                    "--entrypoint", "example.Fibonacci", "--executor", "newdeploy", "--strategy", "active-standby")).isZero();
            Chaos chaos = Chaos.local(tandem.client);
            ClusterStatus.Instance active = awaitPairOnTwoNodes(chaos, "fib", null);

            // fib(36) is about a quarter of a second of one core; four clients keep both cores busy.
            try (Load load = new Load(tandem.router("/function/fib?n=36"))) {
                load.awaitMoreSuccesses(60);
                load.close();
                assertThat(load.failures).isEmpty();
            }
            assertThat(ready(chaos, "fib", "active")).as("the active after the load").extracting(ClusterStatus.Instance::id)
                    .containsExactly(active.id());
            List<String> types = new ArrayList<>();
            tandem.client.get("/v1/events?function=fib&limit=1000").forEach(e -> types.add(e.path("type").asText()));
            assertThat(types).as("the first active's promotion only").containsOnlyOnce("promoted");
            assertThat(types).doesNotContain("unresponsive", "unreachable", "fenced", "instance-exited");
        }
    }

    /** The instance's answer, or empty when it no longer accepts connections (stopped meanwhile: also fine). */
    private static Optional<HttpResponse<String>> call(HttpClient http, URI uri, String epoch) throws InterruptedException {
        try {
            return Optional.of(http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("X-Tandem-Epoch", epoch).GET().build(),
                    HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Test
    void replicateLosesNoRequestWhenOneReplicaIsKilledAndReplacesIt() throws Exception {
        try (RunningServer tandem = new RunningServer(2)) {
            deploy(tandem, "calc", "replicate");
            Chaos chaos = Chaos.local(tandem.client);
            await().atMost(WAIT).until(() -> ready(chaos, "calc", "replica").size() == 2);
            ClusterStatus.Instance victim = ready(chaos, "calc", "replica").getFirst();

            try (Load load = new Load(tandem.router("/function/calc"))) {
                load.awaitMoreSuccesses(50);
                chaos.killInstanceById("calc", victim.id());
                await().atMost(WAIT).until(() -> {
                    List<ClusterStatus.Instance> r = ready(chaos, "calc", "replica");
                    return r.size() == 2 && r.stream().noneMatch(i -> i.id().equals(victim.id()))
                            && r.stream().map(ClusterStatus.Instance::node).collect(Collectors.toSet()).size() == 2;
                });
                load.awaitMoreSuccesses(50);
                load.close();
                assertThat(load.failures).isEmpty();
            }
        }
    }
}
