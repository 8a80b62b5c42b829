package io.tandem.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.agent.InstanceInfo;
import io.tandem.agent.NodeRegistration;
import io.tandem.home.TandemHome;
import io.tandem.model.Change;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Endpoint;
import io.tandem.model.Runtime;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster events the executor reports, against fake agents and a manual clock. */
class ExecutorEventsTest {
    private static final Duration HEARTBEAT = Duration.ofHours(1); // the periodic tick never fires by itself here

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final FakeFeed feed = new FakeFeed();
    private final RecordingPublisher publisher = new RecordingPublisher();
    private final Map<String, FakeAgent> agents = new ConcurrentHashMap<>();
    private final List<ClusterEvent> events = new CopyOnWriteArrayList<>();
    private volatile boolean sinkFails;
    private Vertx vertx;
    private Executor executor;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        ExecutorConfig d = ExecutorConfig.defaults();
        ExecutorConfig config = new ExecutorConfig(d.host(), 0, "http://127.0.0.1:1", HEARTBEAT, 3,
                Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30)), NodeSelector.leastLoaded(), clock,
                pid -> ProcessStates.State.UNKNOWN);
        EventSink sink = e -> {
            events.add(e);
            if (sinkFails) throw new IllegalStateException("the store is gone");
        };
        executor = Executor.builder(new TandemHome(dir), vertx, feed, publisher, config).events(sink)
                .connector(reg -> agents.computeIfAbsent(reg.name(), FakeAgent::new)).build();
        executor.start().await();
    }

    @AfterEach
    void stop() {
        executor.stop().await();
        vertx.close().await();
    }

    private void nodes(String... names) {
        for (String n : names) executor.register(new NodeRegistration(n, "http://fake/" + n, 1)).await();
    }

    private Endpoint deployApi() {
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.newdeploy("api", "py", 5, 1));
        await().until(() -> publisher.of("api").size() == 1);
        return publisher.of("api").getFirst();
    }

    private List<String> seen() {
        return events.stream().map(e -> String.join(" ", e.type(), String.valueOf(e.function()), e.node(), String.valueOf(e.instance()))).toList();
    }

    private ClusterEvent last(String type) {
        return events.reversed().stream().filter(e -> e.type().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void anInstanceExitAndANodeDeathAreReportedInOrderWithTheirReplacements() {
        nodes("n1", "n2");
        Endpoint first = deployApi();
        clock.advance(Duration.ofMinutes(5)); // a long-lived replica, not a crash loop
        agents.values().forEach(FakeAgent::heartbeat);
        Instant exitedAt = clock.instant();

        agents.get(first.node()).exit(first.instanceId(), 137);
        await().until(() -> publisher.of("api").size() == 1 && !publisher.of("api").getFirst().equals(first));
        Endpoint second = publisher.of("api").getFirst();

        agents.get(second.node()).dropStream();
        await().until(() -> publisher.of("api").size() == 1 && !publisher.of("api").getFirst().equals(second));
        Endpoint third = publisher.of("api").getFirst();
        String survivor = second.node().equals("n1") ? "n2" : "n1";

        assertThat(third.node()).isEqualTo(survivor);
        assertThat(seen()).containsExactly(
                "node-joined null n1 null",
                "node-joined null n2 null",
                "instance-ready api " + first.node() + " " + first.instanceId(),
                "instance-exited api " + first.node() + " " + first.instanceId(),
                "instance-ready api " + second.node() + " " + second.instanceId(),
                "instance-replaced api " + second.node() + " " + second.instanceId(),
                "node-dead null " + second.node() + " null",
                "instance-ready api " + third.node() + " " + third.instanceId(),
                "instance-replaced api " + third.node() + " " + third.instanceId());
        ClusterEvent exited = last(ClusterEvent.INSTANCE_EXITED);
        assertThat(exited.detail()).contains("exit code 137");
        assertThat(exited.at()).as("stamped with the executor's clock").isEqualTo(exitedAt);
        assertThat(events.get(5).detail()).isEqualTo("replaces " + first.instanceId() + " on " + first.node() + " (exited with 137)");
        assertThat(last(ClusterEvent.NODE_DEAD).detail()).contains("event stream ended", "connection reset", "1 instance lost");
        assertThat(last(ClusterEvent.INSTANCE_REPLACED).detail())
                .isEqualTo("replaces " + second.instanceId() + " on " + second.node() + " (node " + second.node() + " dead)");
        assertThat(events).extracting(ClusterEvent::seq).as("numbered by the store, not here").containsOnly(0L);
    }

    @Test
    void missedHeartbeatsAreTheReasonGivenForANodeDeath() {
        nodes("n1", "n2");
        clock.advance(HEARTBEAT.multipliedBy(4));
        agents.get("n2").heartbeat();
        await().until(() -> executor.tick().await() == null && events.stream().anyMatch(e -> e.type().equals(ClusterEvent.NODE_DEAD)));
        ClusterEvent dead = last(ClusterEvent.NODE_DEAD);
        assertThat(dead.node()).isEqualTo("n1");
        assertThat(dead.detail()).startsWith("missed 3 heartbeats");
        assertThat(dead.at()).isEqualTo(clock.instant());
    }

    @Test
    void theRoutersReportIsAnUnreachableEventAndTheReplacementSaysSo() {
        nodes("n1", "n2");
        Endpoint bad = deployApi();
        executor.reportUnreachable(bad);
        await().until(() -> events.stream().anyMatch(e -> e.type().equals(ClusterEvent.INSTANCE_REPLACED)));
        assertThat(last(ClusterEvent.UNREACHABLE).instance()).isEqualTo(bad.instanceId());
        assertThat(last(ClusterEvent.INSTANCE_REPLACED).detail()).isEqualTo("replaces " + bad.instanceId() + " on " + bad.node() + " (unreachable)");
    }

    @Test
    void aSpecializationIsReportedAndSoIsAFunctionThatFailsToLoad() throws Exception {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 2, null));
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "java", 2, null));
        feed.push(Change.Type.ADDED, Specs.poolmgr("broken", "java", 3, null));
        executor.tick().await();
        FakeAgent n1 = agents.get("n1");
        CompletableFuture<Endpoint> hello = executor.acquire("hello");
        await().until(() -> n1.pendingSpecializations.size() == 1);
        n1.answerSpecialization(0, null);
        Endpoint e = hello.get(5, TimeUnit.SECONDS);
        executor.acquire("broken");
        await().until(() -> n1.pendingSpecializations.size() == 2);
        n1.answerSpecialization(1, "ClassNotFoundException: example.Nope");

        await().until(() -> events.stream().anyMatch(x -> x.type().equals(ClusterEvent.LOAD_FAILED)));
        ClusterEvent specialized = last(ClusterEvent.SPECIALIZED);
        assertThat(specialized.function()).isEqualTo("hello");
        assertThat(specialized.instance()).isEqualTo(e.instanceId());
        assertThat(specialized.detail()).contains("environment java");
        ClusterEvent failed = last(ClusterEvent.LOAD_FAILED);
        assertThat(failed.function()).isEqualTo("broken");
        assertThat(failed.detail()).contains("failed to load", "example.Nope");
    }

    @Test
    void anIdleInstanceIsReportedAsReaped() throws Exception {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "py", 2, Duration.ofSeconds(60)));
        Endpoint e = executor.acquire("hello").get(5, TimeUnit.SECONDS);
        clock.advance(Duration.ofSeconds(61));
        executor.tick().await();

        ClusterEvent reaped = last(ClusterEvent.REAPED);
        assertThat(reaped.instance()).isEqualTo(e.instanceId());
        assertThat(reaped.detail()).contains("idle timeout 1m");
        assertThat(reaped.at()).isEqualTo(clock.instant());
    }

    @Test
    void aNodeThatComesBackWithInstancesTheExecutorForgotHasThemStoppedAndReported() {
        FakeAgent n1 = agents.computeIfAbsent("n1", FakeAgent::new);
        n1.leftovers.add(new InstanceInfo("api-old-1", "py", "api", "127.0.0.1", 20001, 4242, "ready", null));
        nodes("n1");

        await().until(() -> n1.stops.contains("api-old-1"));
        ClusterEvent stale = last(ClusterEvent.STALE_INSTANCE_STOPPED);
        assertThat(stale.function()).isEqualTo("api");
        assertThat(stale.node()).isEqualTo("n1");
        assertThat(stale.detail()).contains("pid 4242");
    }

    @Test
    void aSinkThatThrowsDoesNotStopTheExecutorFromReplacingAReplica() {
        nodes("n1", "n2");
        Endpoint first = deployApi();
        clock.advance(Duration.ofMinutes(5));
        agents.values().forEach(FakeAgent::heartbeat);
        sinkFails = true;
        agents.get(first.node()).exit(first.instanceId(), 1);
        await().until(() -> publisher.of("api").size() == 1 && !publisher.of("api").getFirst().equals(first));
        assertThat(events).extracting(ClusterEvent::type).contains(ClusterEvent.INSTANCE_EXITED, ClusterEvent.INSTANCE_REPLACED);
    }
}
