package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.chaos.Chaos;
import io.tandem.chaos.KillResult;
import io.tandem.executor.ExecutorStatus;
import io.tandem.home.ServerInfo;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.FaultTolerance;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import io.tandem.model.Strategy;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The controller killed with SIGKILL while a function serves a steady load: the router and the executor work from
 * what they hold (a crashed active is still replaced), the server restarts the controller, and afterwards the API,
 * the change feed and the events carry on with nothing lost or doubled.
 */
class ControllerFailureTest {
    static final int CLIENTS = 2;

    RunningServer tandem;
    final AtomicBoolean loading = new AtomicBoolean(true);
    final AtomicLong succeeded = new AtomicLong();
    final Queue<String> failures = new ConcurrentLinkedQueue<>();
    final List<Thread> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        tandem = new RunningServer(2);
        // No warm pools: the machine's cores are shared, and newdeploy replicas are what serve here.
        tandem.client.put("/v1/environments/java", new Environment(Metadata.named("java"), new EnvironmentSpec(Runtime.JAVA, null, 0, null)));
        tandem.client.put("/v1/environments/exec", new Environment(Metadata.named("exec"), new EnvironmentSpec(Runtime.EXEC, null, 0, null)));
    }

    @AfterEach
    void stop() throws Exception {
        loading.set(false);
        for (Thread t : clients) t.join(Duration.ofSeconds(30));
        if (tandem != null) tandem.close();
    }

    @Test
    void functionsKeepServingAndFailingOverWhileTheControllerIsDownAndNothingIsLostWhenItReturns() throws Exception {
        CodeRef jar = tandem.client.uploadPackage(RunningServer.repoRoot().resolve("examples/hello/target/hello.jar"));
        deploy("hello", jar);
        await().atMost(Duration.ofSeconds(60)).until(() -> activeOf("hello") != null && standbyReady("hello"));
        startLoad("/function/hello?name=load");
        await().atMost(Duration.ofSeconds(30)).until(() -> succeeded.get() >= 50);

        long before = tandem.server.controllerPid();
        KillResult killed = Chaos.local(tandem.client).killController();
        assertThat(killed.action()).isEqualTo("kill-controller");
        assertThat(killed.pids()).containsExactly(before);
        await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessHandle.of(before).map(ProcessHandle::isAlive).orElse(false));

        // With the controller gone: the active instance crashes, and the executor fails over on its own.
        ExecutorStatus.InstanceStatus active = activeOf("hello");
        ProcessHandle.of(active.pid()).orElseThrow().destroyForcibly();
        long served = succeeded.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> succeeded.get() >= served + 50);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            ExecutorStatus.InstanceStatus now = activeOf("hello");
            return now != null && !now.id().equals(active.id()) && standbyReady("hello");
        });

        // The server restarts the controller; the API answers again, from a new process.
        await().atMost(Duration.ofSeconds(60)).until(() -> tandem.server.controllerPid() != 0 && tandem.server.controllerPid() != before
                && tandem.cli("status") == 0);
        long after = tandem.server.controllerPid();
        assertThat(ServerInfo.readFrom(tandem.home).orElseThrow().controllerPid()).isEqualTo(after);
        assertThat(tandem.client.get("/v1/status").path("controller").path("pid").asLong()).isEqualTo(after);

        // The API reads the executor's view again: a function's instances, and their logs.
        JsonNode fn = tandem.client.get("/v1/functions/hello");
        assertThat(fn.path("status").path("instances").findValuesAsText("role")).contains("active", "standby");
        assertThat(tandem.cli("fn", "logs", "--name", "hello", "--tail", "5")).isZero();

        // The change feed resumed: a function deployed now is served.
        deploy("hello-after", jar);
        await().atMost(Duration.ofSeconds(60)).until(() -> tandem.get("/function/hello-after?name=back").statusCode() == 200);
        assertThat(tandem.get("/function/hello-after?name=back").body()).contains("Hello, back!");

        long total = succeeded.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> succeeded.get() >= total + 50);
        loading.set(false);
        for (Thread t : clients) t.join(Duration.ofSeconds(30));
        assertThat(failures).as("requests that failed while the controller was down or restarting").isEmpty();

        // What the executor saw while the controller was down reached the store, once each.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(eventsOf("hello"))
                .anyMatch(e -> e.contains(" promoted ")).anyMatch(e -> e.contains(active.id())));
        assertThat(eventsOf("hello")).as("events stored twice").doesNotHaveDuplicates();
        List<String> types = new ArrayList<>();
        tandem.client.get("/v1/events?limit=10000").forEach(e -> types.add(e.path("type").asText()));
        assertThat(types).as("the controller's own crash and restart, told by the server").contains("controller-exited", "controller-restarted");
    }

    private void deploy(String name, CodeRef jar) {
        tandem.client.put("/v1/functions/" + name, new Function(Metadata.named(name), new FunctionSpec("java", jar, "example.Hello",
                ExecutorType.NEWDEPLOY, 1, 1, null, null, null, true,
                // Probes patient enough for a machine whose cores other jobs share; a crash is caught by its exit anyway.
                new FaultTolerance(Strategy.ACTIVE_STANDBY, null, null, null, Duration.ofMillis(500), 10, null))));
    }

    private void startLoad(String path) {
        for (int k = 0; k < CLIENTS; k++) {
            Thread t = Thread.ofPlatform().daemon().name("load-" + k).start(() -> {
                while (loading.get()) {
                    try {
                        HttpResponse<String> r = tandem.get(path);
                        if (r.statusCode() == 200 && r.body().contains("Hello, load!")) succeeded.incrementAndGet();
                        else failures.add(r.statusCode() + " " + r.body());
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            });
            clients.add(t);
        }
    }

    private ExecutorStatus.InstanceStatus activeOf(String function) {
        return tandem.server.executor().status().instances().stream()
                .filter(i -> function.equals(i.function()) && i.role().equals("active") && i.state().equals("ready") && i.pid() > 0)
                .findFirst().orElse(null);
    }

    private boolean standbyReady(String function) {
        return tandem.server.executor().status().instances().stream()
                .anyMatch(i -> function.equals(i.function()) && i.role().equals("standby") && i.state().equals("ready"));
    }

    /** The function's stored events, each as "at type instance detail". */
    private List<String> eventsOf(String function) {
        List<String> seen = new ArrayList<>();
        for (JsonNode e : tandem.client.get("/v1/events?function=" + function + "&limit=10000")) {
            seen.add(e.path("at").asText() + " " + e.path("type").asText() + " " + e.path("instance").asText() + " " + e.path("detail").asText());
        }
        return seen;
    }
}
