package io.tandem.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.agent.NodeRegistration;
import io.tandem.home.TandemHome;
import io.tandem.model.Change;
import io.tandem.model.Endpoint;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.tandem.model.LogRecord;
import io.tandem.model.Runtime;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor's decisions, against fake agents and a manual clock. */
class ExecutorTest {
    private static final Duration HEARTBEAT = Duration.ofHours(1); // the periodic tick never fires by itself here

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final FakeFeed feed = new FakeFeed();
    private final RecordingPublisher publisher = new RecordingPublisher();
    private final Map<String, FakeAgent> agents = new ConcurrentHashMap<>();
    private Vertx vertx;
    private Executor executor;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        ExecutorConfig d = ExecutorConfig.defaults();
        ExecutorConfig config = new ExecutorConfig(d.host(), 0, "http://127.0.0.1:1", HEARTBEAT, 3,
                Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30)), NodeSelector.leastLoaded(), clock,
                pid -> ProcessStates.State.UNKNOWN);
        executor = Executor.builder(new TandemHome(dir), vertx, feed, publisher, config)
                .connector(reg -> agents.computeIfAbsent(reg.name(), FakeAgent::new)).build();
        executor.start().await();
    }

    @AfterEach
    void stop() {
        agents.values().forEach(FakeAgent::releaseStops);
        executor.stop().await();
        vertx.close().await();
    }

    private void nodes(String... names) {
        for (String n : names) executor.register(new NodeRegistration(n, "http://fake/" + n, 1)).await();
    }

    private void settle() {
        executor.tick().await();
    }

    private static Endpoint get(CompletableFuture<Endpoint> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aWarmInstanceStoppedWhileItStartsNeverBecomesReadyAndIsNoFailure() throws Exception {
        nodes("n1");
        FakeAgent n1 = agents.get("n1");
        n1.holdLaunches = true;
        n1.holdStops = true;
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 1, null));
        settle();
        assertThat(n1.heldLaunches).hasSize(1);
        String first = n1.heldLaunches.getFirst().info().id();

        // The environment changes while its warm instance starts: that instance is stopped, a new one started.
        feed.push(Change.Type.MODIFIED, Specs.env("java", Runtime.JAVA, 1, "{java} -Xmx64m"));
        await().until(() -> n1.stops.contains(first));
        n1.finishHeldLaunch(0);
        settle();

        assertThat(executor.status().instances()).noneMatch(i -> i.id().equals(first) && i.state().equals("ready"));
        // Its replacement was launched at once: a stop is no failure to start, so no back-off delays it.
        await().until(() -> n1.heldLaunches.size() == 2);
        n1.finishHeldLaunch(1);
        String second = n1.heldLaunches.get(1).info().id();
        await().untilAsserted(() -> assertThat(executor.status().instances())
                .anyMatch(i -> i.id().equals(second) && i.role().equals("pool") && i.state().equals("ready")));
        assertThat(executor.status().instances()).noneMatch(i -> i.id().equals(first));
        n1.releaseStops();
    }

    @Test
    void keepsPoolSizeWarmInstancesOnEachNode() {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 2, null));
        settle();
        assertThat(agents.get("n1").poolLaunches()).hasSize(2);
        assertThat(agents.get("n2").poolLaunches()).hasSize(2);
        settle();
        assertThat(agents.get("n1").poolLaunches()).as("no more once full").hasSize(2);
        assertThat(executor.status().instances()).extracting(ExecutorStatus.InstanceStatus::role).containsOnly("pool");
    }

    @Test
    void specializesWarmInstanceThenRefillsPoolAndPublishes() throws Exception {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 1, null));
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "java", 2, null));
        settle();
        FakeAgent n1 = agents.get("n1");
        CompletableFuture<Endpoint> first = executor.acquire("hello");
        await().until(() -> n1.pendingSpecializations.size() == 1);
        assertThat(n1.pendingSpecializations.getFirst().request().function()).isEqualTo("hello");
        n1.answerSpecialization(0, null);

        Endpoint e = get(first);
        assertThat(e.function()).isEqualTo("hello");
        assertThat(e.instanceId()).isEqualTo(n1.pendingSpecializations.getFirst().instanceId());
        assertThat(publisher.of("hello")).containsExactly(e);
        executor.coldCallEnded(e);
        await().until(() -> n1.poolLaunches().size() == 2);
        assertThat(get(executor.acquire("hello"))).as("warm: the same endpoint, no new specialization").isEqualTo(e);
        assertThat(n1.pendingSpecializations).hasSize(1);
    }

    @Test
    void refillsThePoolOnceTheFirstCallEndedOrAfterASecondWithoutNews() throws Exception {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 1, null));
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "java", 2, null));
        feed.push(Change.Type.ADDED, Specs.poolmgr("other", "java", 2, null));
        settle();
        FakeAgent n1 = agents.get("n1");
        CompletableFuture<Endpoint> hello = executor.acquire("hello");
        await().until(() -> n1.pendingSpecializations.size() == 1);
        n1.answerSpecialization(0, null);
        get(hello);
        settle();
        assertThat(n1.poolLaunches()).as("no JVM starts beside the first call").hasSize(1);

        executor.coldCallEnded(get(hello));
        await().until(() -> n1.poolLaunches().size() == 2);

        // The router never reports the next one: the refill waits a second at most.
        await().until(() -> executor.status().instances().stream().anyMatch(i -> i.role().equals("pool") && i.state().equals("ready")));
        CompletableFuture<Endpoint> other = executor.acquire("other");
        await().until(() -> n1.pendingSpecializations.size() == 2);
        n1.answerSpecialization(1, null);
        get(other);
        settle();
        assertThat(n1.poolLaunches()).hasSize(2);
        clock.advance(FirstCalls.MAX_HOLD);
        settle();
        assertThat(n1.poolLaunches()).hasSize(3);
    }

    @Test
    void anAcquireForAFunctionNotHereYetGoesAheadAsSoonAsItArrivesWithoutWaitingForTheCatchUp() throws Exception {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 1, null));
        settle();
        CompletableFuture<Void> catchUp = feed.holdCatchUp();
        CompletableFuture<Endpoint> call = executor.acquire("hello");
        await().until(() -> feed.catchUpsAsked() > 0);
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "java", 2, null));

        FakeAgent n1 = agents.get("n1");
        await().until(() -> n1.pendingSpecializations.size() == 1);
        n1.answerSpecialization(0, null);
        assertThat(get(call).function()).isEqualTo("hello");
        assertThat(catchUp).as("served before the feed caught up").isNotDone();
    }

    @Test
    void anAcquireForAFunctionStillMissingOnceTheFeedHasCaughtUpFails() {
        CompletableFuture<Void> catchUp = feed.holdCatchUp();
        CompletableFuture<Endpoint> call = executor.acquire("ghost");
        await().until(() -> feed.catchUpsAsked() > 0);
        assertThat(call).isNotDone();
        catchUp.complete(null);
        assertThatThrownBy(() -> get(call)).hasMessageContaining("no function named 'ghost'");
    }

    @Test
    void concurrentColdAcquiresShareOneSpecialization() throws Exception {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 3, null));
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "java", 2, null));
        settle();
        FakeAgent n1 = agents.get("n1");
        List<CompletableFuture<Endpoint>> calls = List.of(executor.acquire("hello"), executor.acquire("hello"), executor.acquire("hello"));
        await().until(() -> n1.pendingSpecializations.size() == 1);
        settle();
        assertThat(n1.pendingSpecializations).hasSize(1);
        n1.answerSpecialization(0, null);
        assertThat(get(calls.get(0))).isEqualTo(get(calls.get(1))).isEqualTo(get(calls.get(2)));
    }

    @Test
    void launchesFunctionInstanceWhenPoolIsEmpty() throws Exception {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 3, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "py", 2, null));
        settle();
        FakeAgent n1 = agents.get("n1");
        assertThat(n1.poolLaunches()).as("no generic pool for the http runtime").isEmpty();
        Endpoint e = get(executor.acquire("hello"));
        assertThat(n1.functionLaunches("hello")).hasSize(1);
        assertThat(n1.functionLaunches("hello").getFirst().command()).isEqualTo("python3 {code}");
        assertThat(publisher.of("hello")).containsExactly(e);
    }

    @Test
    void reapsIdleSpecializedInstanceAfterIdleTimeout() throws Exception {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "py", 2, Duration.ofSeconds(60)));
        Endpoint e = get(executor.acquire("hello"));
        clock.advance(Duration.ofSeconds(59));
        settle();
        assertThat(agents.get("n1").stops).isEmpty();
        executor.recordTraffic("hello");
        settle();
        clock.advance(Duration.ofSeconds(59));
        settle();
        assertThat(agents.get("n1").stops).as("traffic counts as use").isEmpty();
        clock.advance(Duration.ofSeconds(1));
        settle();
        assertThat(agents.get("n1").stops).containsExactly(e.instanceId());
        assertThat(publisher.of("hello")).isEmpty();
    }

    @Test
    void reportsLoadErrorAndBacksOffInsteadOfRetryingAtOnce() throws Exception {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 1, null));
        feed.push(Change.Type.ADDED, Specs.poolmgr("broken", "java", 2, null));
        settle();
        FakeAgent n1 = agents.get("n1");
        CompletableFuture<Endpoint> call = executor.acquire("broken");
        await().until(() -> n1.pendingSpecializations.size() == 1);
        n1.answerSpecialization(0, "ClassNotFoundException: example.Nope");

        assertThatThrownBy(() -> get(call)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("function 'broken' failed to load: ClassNotFoundException: example.Nope");
        assertThat(executor.functionStatus("broken").error()).contains("example.Nope");
        assertThatThrownBy(() -> get(executor.acquire("broken"))).hasMessageContaining("example.Nope");
        assertThat(n1.pendingSpecializations).as("backing off: no second attempt yet").hasSize(1);
        assertThat(executor.status().instances()).as("the warm instance went back to the pool")
                .extracting(ExecutorStatus.InstanceStatus::state).containsOnly("ready");

        clock.advance(Duration.ofSeconds(2));
        executor.acquire("broken");
        await().until(() -> n1.pendingSpecializations.size() == 2);
    }

    @Test
    void newdeployKeepsMinScaleReplicasOnDistinctNodes() {
        nodes("n1", "n2", "n3");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.newdeploy("api", "py", 5, 2));
        settle();
        long onNodes = agents.values().stream().filter(a -> !a.functionLaunches("api").isEmpty()).count();
        assertThat(agents.values().stream().mapToInt(a -> a.functionLaunches("api").size()).sum()).isEqualTo(2);
        assertThat(onNodes).isEqualTo(2);
        await().until(() -> publisher.of("api").size() == 2);
        assertThat(publisher.of("api")).extracting(Endpoint::node).doesNotHaveDuplicates();
    }

    @Test
    void aJavaFunctionsMemoryBecomesItsHeapAfterTheEnvironmentsOptions() {
        nodes("n1");
        feed.push(Change.Type.ADDED, new Environment(Metadata.named("jvm"), new EnvironmentSpec(Runtime.JAVA, null, 0, List.of("-Xmx64m", "-Xss1m"))));
        feed.push(Change.Type.ADDED, new Function(new Metadata("big", 5, null, null), new FunctionSpec("jvm", Specs.CODE, "example.Hello",
                ExecutorType.NEWDEPLOY, 1, 1, null, null, null, null, null, "2Gi", null, null, null)));
        await().until(() -> !agents.get("n1").functionLaunches("big").isEmpty());
        assertThat(agents.get("n1").functionLaunches("big").getFirst().jvmOptions()).containsExactly("-Xmx64m", "-Xss1m", "-Xmx2048m");
    }

    @Test
    void newdeployReplacesReplicaThatExited() {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.newdeploy("api", "py", 5, 1));
        await().until(() -> publisher.of("api").size() == 1);
        Endpoint first = publisher.of("api").getFirst();
        clock.advance(Duration.ofMinutes(5)); // a long-lived replica: replaced at once
        agents.values().forEach(FakeAgent::heartbeat);
        agents.get(first.node()).exit(first.instanceId(), 137);
        await().until(() -> publisher.of("api").size() == 1 && !publisher.of("api").getFirst().equals(first));
        assertThat(executor.status().instances()).extracting(ExecutorStatus.InstanceStatus::id).doesNotContain(first.instanceId());
    }

    @Test
    void newdeployRollsNewReplicaBeforeRemovingOld() {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.newdeploy("api", "py", 5, 1));
        await().until(() -> publisher.of("api").size() == 1);
        Endpoint old = publisher.of("api").getFirst();
        agents.values().forEach(a -> a.holdLaunches = true);
        feed.push(Change.Type.MODIFIED, Specs.newdeploy("api", "py", 9, 1));
        await().until(() -> agents.values().stream().mapToInt(a -> a.functionLaunches("api").size()).sum() == 2);
        settle();
        assertThat(agents.values().stream().flatMap(a -> a.stops.stream())).as("old one serves until the new is ready").isEmpty();
        assertThat(publisher.of("api")).containsExactly(old);
    }

    @Test
    void marksNodeDeadAfterMissedHeartbeatsAndReplacesItsReplicasElsewhere() {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.newdeploy("api", "py", 5, 1));
        await().until(() -> publisher.of("api").size() == 1);
        String deadNode = publisher.of("api").getFirst().node();
        String other = deadNode.equals("n1") ? "n2" : "n1";
        clock.advance(HEARTBEAT.multipliedBy(4));
        agents.get(other).heartbeat();
        settle();
        assertThat(executor.status().nodes()).filteredOn(n -> n.name().equals(deadNode)).extracting(ExecutorStatus.NodeStatus::state).containsExactly("dead");
        await().until(() -> publisher.of("api").size() == 1 && publisher.of("api").getFirst().node().equals(other));
    }

    @Test
    void droppedEventStreamKillsTheNode() {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 1, null));
        settle();
        agents.get("n1").dropStream();
        await().until(() -> executor.status().nodes().stream().anyMatch(n -> n.name().equals("n1") && n.state().equals("dead")));
        assertThat(executor.status().instances()).extracting(ExecutorStatus.InstanceStatus::node).containsOnly("n2");
    }

    @Test
    void reportUnreachableDropsAndReplacesTheEndpoint() {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.newdeploy("api", "py", 5, 1));
        await().until(() -> publisher.of("api").size() == 1);
        Endpoint bad = publisher.of("api").getFirst();
        executor.reportUnreachable(bad);
        await().until(() -> publisher.of("api").size() == 1 && !publisher.of("api").getFirst().equals(bad));
        assertThat(agents.get(bad.node()).stops).contains(bad.instanceId());
    }

    @Test
    void deletedFunctionIsStoppedAndUnpublished() throws Exception {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "py", 2, null));
        Endpoint e = get(executor.acquire("hello"));
        feed.push(Change.Type.DELETED, Specs.poolmgr("hello", "py", 3, null));
        await().until(() -> publisher.of("hello").isEmpty());
        assertThat(agents.get("n1").stops).containsExactly(e.instanceId());
        assertThat(executor.functionStatus("hello")).isNull();
        assertThatThrownBy(() -> get(executor.acquire("hello"))).hasMessageContaining("no function named 'hello'");
    }

    @Test
    void mergesTheLogsOfEveryNodeByTimeAndKeepsTheLastLines() throws Exception {
        nodes("n1", "n2");
        Instant t = Instant.parse("2026-12-02T10:00:00Z");
        agents.get("n1").logLines.addAll(List.of(new LogRecord(t, "hello", "a-1", "n1", "stdout", "first"),
                new LogRecord(t.plusMillis(20), "hello", "a-1", "n1", "stderr", "third"),
                new LogRecord(t.plusMillis(5), "other", "o-1", "n1", "stdout", "not hello's")));
        agents.get("n2").logLines.add(new LogRecord(t.plusMillis(10), "hello", "b-1", "n2", "stdout", "second"));
        HttpServer server = vertx.createHttpServer()
                .requestHandler(req -> executor.streamLogs("hello", LogQuery.parse(req::getParam, Instant.now()), req.response()))
                .listen(0, "127.0.0.1").await();

        assertThat(logs(server, "tail=10")).isEqualTo("""
                2026-12-02T10:00:00Z [hello a-1@n1 stdout] first
                2026-12-02T10:00:00.010Z [hello b-1@n2 stdout] second
                2026-12-02T10:00:00.020Z [hello a-1@n1 stderr] third
                """);
        assertThat(logs(server, "tail=2&format=json")).isEqualTo(Json.write(agents.get("n2").logLines.getFirst()) + "\n"
                + Json.write(agents.get("n1").logLines.get(1)) + "\n");
        assertThat(logs(server, "tail=10&instance=b-1")).isEqualTo("2026-12-02T10:00:00.010Z [hello b-1@n2 stdout] second\n");
        assertThat(logs(server, "since=2026-12-02T10:00:00.015Z")).isEqualTo("2026-12-02T10:00:00.020Z [hello a-1@n1 stderr] third\n");
    }

    private static String logs(HttpServer server, String query) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/?" + query)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void anAgentThatRegistersAgainReplacesTheOldNodeAndItsInstances() {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.newdeploy("api", "py", 5, 2));
        await().until(() -> publisher.of("api").size() == 2);
        executor.register(new NodeRegistration("n1", "http://fake/n1-restarted", 2)).await();
        settle();
        assertThat(executor.status().nodes()).extracting(ExecutorStatus.NodeStatus::url).contains("http://fake/n1-restarted");
        assertThat(executor.status().nodes()).extracting(ExecutorStatus.NodeStatus::state).containsOnly("alive");
        await().until(() -> publisher.of("api").size() == 2);
    }

    @Test
    void statusShowsNodesAndInstancesWithTheirRoles() throws Exception {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 1, null));
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "py", 2, null));
        settle();
        Endpoint e = get(executor.acquire("hello"));
        String json = Json.write(executor.status());
        assertThat(json).contains("\"name\":\"n1\"", "\"state\":\"alive\"", "\"role\":\"pool\"", "\"role\":\"replica\"",
                "\"function\":\"hello\"", "\"port\":" + e.port());
    }

    @Test
    void newdeployRemovesOldReplicaOnceTheNewOneIsReady() {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.newdeploy("api", "py", 5, 1));
        await().until(() -> publisher.of("api").size() == 1);
        Endpoint old = publisher.of("api").getFirst();
        feed.push(Change.Type.MODIFIED, Specs.newdeploy("api", "py", 9, 1));
        await().until(() -> publisher.of("api").size() == 1 && !publisher.of("api").getFirst().equals(old));
        await().until(() -> agents.get(old.node()).stops.contains(old.instanceId()));
        assertThat(executor.functionStatus("api").instances()).hasSize(1);
    }

    @Test
    void aReplicaThatKeepsCrashingRightAfterStartIsRelaunchedWithBackoff() {
        nodes("n1");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.newdeploy("api", "py", 5, 1));
        await().until(() -> publisher.of("api").size() == 1);
        FakeAgent n1 = agents.get("n1");
        // One early exit may be a kill: replaced at once, no error.
        n1.exit(publisher.of("api").getFirst().instanceId(), 137);
        await().until(() -> n1.functionLaunches("api").size() == 2 && publisher.of("api").size() == 1);
        assertThat(executor.functionStatus("api").error()).isNull();

        // A second one soon after is a crash loop: reported, and relaunched only after a back-off.
        n1.exit(publisher.of("api").getFirst().instanceId(), 1);
        await().until(() -> executor.functionStatus("api").error() != null);
        settle();
        assertThat(n1.functionLaunches("api")).as("no relaunch during the back-off").hasSize(2);
        assertThat(executor.functionStatus("api").error()).contains("crashed", "exited with code 1");

        clock.advance(Duration.ofSeconds(1));
        settle();
        await().until(() -> publisher.of("api").size() == 1);
        assertThat(n1.functionLaunches("api")).hasSize(3);
        n1.exit(publisher.of("api").getFirst().instanceId(), 1);
        await().until(() -> executor.functionStatus("api").failures() == 2);
        clock.advance(Duration.ofSeconds(1));
        settle();
        assertThat(n1.functionLaunches("api")).as("the second back-off is longer").hasSize(3);
    }

    @Test
    void prefetchesAFunctionsCodeOnEveryLiveNodeWhenItIsDeployed() throws Exception {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "py", 2, null));
        settle();
        await().untilAsserted(() -> assertThat(agents.values()).allSatisfy(a ->
                assertThat(a.prefetched).singleElement().satisfies(r -> assertThat(r.runtime()).isEqualTo(Runtime.HTTP))));
    }

    @Test
    void aColdStartOnANodeThatDiesFailsAndTheNextOneGoesElsewhere() throws Exception {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, Specs.poolmgr("hello", "py", 2, null));
        settle();
        agents.values().forEach(a -> a.holdLaunches = true); // a frozen agent never answers
        CompletableFuture<Endpoint> first = executor.acquire("hello");
        await().until(() -> agents.values().stream().mapToInt(a -> a.functionLaunches("hello").size()).sum() == 1);
        FakeAgent frozen = agents.values().stream().filter(a -> !a.functionLaunches("hello").isEmpty()).findFirst().orElseThrow();
        frozen.dropStream();

        assertThatThrownBy(() -> get(first)).hasMessageContaining("node " + frozen.name + " died");
        agents.values().forEach(a -> a.holdLaunches = false);
        Endpoint e = get(executor.acquire("hello"));
        assertThat(e.node()).isNotEqualTo(frozen.name);
    }
}
