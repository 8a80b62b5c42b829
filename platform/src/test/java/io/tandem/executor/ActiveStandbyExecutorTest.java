package io.tandem.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.agent.NodeRegistration;
import io.tandem.home.TandemHome;
import io.tandem.model.Change;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Endpoint;
import io.tandem.model.ExecutorType;
import io.tandem.model.FaultTolerance;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import io.tandem.model.Strategy;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor's side of active-standby and replicate, against fake agents whose instances are real HTTP servers
 * (so the executor's probes are real), on the real clock.
 */
class ActiveStandbyExecutorTest {
    /** Node heartbeats never expire here: node deaths come from dropped event streams. */
    private static final Duration NODE_HEARTBEAT = Duration.ofHours(1);

    @TempDir
    Path dir;

    private final FakeFeed feed = new FakeFeed();
    private final History publisher = new History();
    private final List<ClusterEvent> events = new CopyOnWriteArrayList<>();
    private final Map<String, FakeAgent> agents = new ConcurrentHashMap<>();
    private final Set<FakeAgent.Pending> answered = ConcurrentHashMap.newKeySet();
    private Vertx vertx;
    /** The fake instances' own event loops, apart from the executor's, as separate processes would be. */
    private Vertx instancesVertx;
    private Executor executor;

    /** Every publish, in order, so a test can say the function was never left without an endpoint. */
    static final class History implements EndpointPublisher {
        final Map<String, List<Endpoint>> last = new ConcurrentHashMap<>();
        final Map<String, List<List<Endpoint>>> all = new ConcurrentHashMap<>();

        @Override
        public void publish(String function, List<Endpoint> endpoints) {
            last.put(function, List.copyOf(endpoints));
            all.computeIfAbsent(function, f -> new CopyOnWriteArrayList<>()).add(List.copyOf(endpoints));
        }

        List<Endpoint> of(String function) {
            return last.getOrDefault(function, List.of());
        }
    }

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        instancesVertx = Vertx.vertx();
        ExecutorConfig d = ExecutorConfig.defaults();
        ExecutorConfig config = new ExecutorConfig(d.host(), 0, "http://127.0.0.1:1", NODE_HEARTBEAT, 3,
                Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30)), NodeSelector.leastLoaded(), InstantSource.system(),
                this::processState);
        executor = Executor.builder(new TandemHome(dir), vertx, feed, publisher, config).events(events::add)
                .connector(reg -> agents.computeIfAbsent(reg.name(), n -> {
                    FakeAgent a = new FakeAgent(n);
                    a.healthServers = instancesVertx;
                    return a;
                })).build();
        executor.start().await();
        vertx.setPeriodic(100, id -> executor.tick()); // as the executor's own tick would, were node heartbeats short
    }

    @AfterEach
    void stop() {
        agents.values().forEach(FakeAgent::releaseStops);
        executor.stop().await();
        vertx.close().await();
        instancesVertx.close().await();
    }

    /** What the fake agents' instances look like to the operating system: a frozen one is stopped. */
    private ProcessStates.State processState(long pid) {
        for (FakeAgent a : agents.values()) {
            ProcessStates.State s = a.stateOf(pid);
            if (s != ProcessStates.State.UNKNOWN) return s;
        }
        return ProcessStates.State.UNKNOWN;
    }

    private void nodes(String... names) {
        for (String n : names) executor.register(new NodeRegistration(n, "http://fake/" + n, 1)).await();
    }

    private static Function fn(String name, long revision, Strategy strategy, boolean newdeploy) {
        return new Function(new Metadata(name, revision, null, null), new FunctionSpec("py", Specs.CODE, "app",
                newdeploy ? ExecutorType.NEWDEPLOY : ExecutorType.POOLMGR, null, null, null, null, null, null,
                // 5 misses (500 ms) rather than 3: a test machine busy with other builds must not fail over on its own.
                new FaultTolerance(strategy, null, null, null, null, 5, null)));
    }

    private void deploy(Function f) {
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, f);
    }

    private List<ExecutorStatus.InstanceStatus> members(String function, String role) {
        return executor.status().instances().stream()
                .filter(i -> function.equals(i.function()) && i.role().equals(role) && i.state().equals("ready")).toList();
    }

    /** Waits for a ready active and a ready standby, and returns the active. */
    private ExecutorStatus.InstanceStatus awaitPair(String function) {
        await().until(() -> members(function, "active").size() == 1 && members(function, "standby").size() == 1);
        return members(function, "active").getFirst();
    }

    private List<String> eventTypes(String function) {
        return events.stream().filter(e -> function.equals(e.function())).map(ClusterEvent::type).toList();
    }

    @Test
    void keepsAnActiveAndAStandbyOnDifferentNodesAndPublishesOnlyTheActiveWithItsEpoch() {
        nodes("n1", "n2");
        deploy(fn("pay", 3, Strategy.ACTIVE_STANDBY, false));
        ExecutorStatus.InstanceStatus active = awaitPair("pay");
        ExecutorStatus.InstanceStatus standby = members("pay", "standby").getFirst();

        assertThat(active.node()).isNotEqualTo(standby.node());
        assertThat(active.epoch()).isEqualTo(1);
        assertThat(standby.epoch()).isZero();
        await().until(() -> publisher.of("pay").size() == 1);
        Endpoint published = publisher.of("pay").getFirst();
        assertThat(published.instanceId()).isEqualTo(active.id());
        assertThat(published.epoch()).isEqualTo(1);
        // The active's probes grant it a lease for its epoch; the standby's the next one, which it takes if promoted.
        await().until(() -> Long.valueOf(1).equals(agents.get(active.node()).leaseEpochs.get(active.id())));
        await().until(() -> Long.valueOf(2).equals(agents.get(standby.node()).leaseEpochs.get(standby.id())));
        assertThat(executor.status().warnings()).isEmpty();
    }

    @Test
    void aStandbySpecializedFromTheWarmPoolToReplaceALostOneIsReportedAsItsReplacement() {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 1, null));
        feed.push(Change.Type.ADDED, new Function(new Metadata("pay", 3, null, null), new FunctionSpec("java", Specs.CODE, "app",
                ExecutorType.POOLMGR, null, null, null, null, null, null, new FaultTolerance(Strategy.ACTIVE_STANDBY, null, null, null, null, 5, null))));
        await().until(() -> answerSpecializations() && members("pay", "active").size() == 1 && members("pay", "standby").size() == 1);
        ExecutorStatus.InstanceStatus standby = members("pay", "standby").getFirst();

        agents.get(standby.node()).kill(standby.id());

        await().until(() -> answerSpecializations() && members("pay", "standby").size() == 1
                && !members("pay", "standby").getFirst().id().equals(standby.id()));
        String next = members("pay", "standby").getFirst().id();
        assertThat(events).as("the new standby is a warm instance that loaded the function")
                .anyMatch(e -> e.type().equals(ClusterEvent.SPECIALIZED) && next.equals(e.instance()));
        assertThat(events).filteredOn(e -> e.type().equals(ClusterEvent.INSTANCE_REPLACED)).singleElement().satisfies(e -> {
            assertThat(e.instance()).isEqualTo(next);
            assertThat(e.detail()).startsWith("replaces " + standby.id() + " on " + standby.node());
        });
    }

    /** Lets every specialization the fake agents hold load the function; true, for use inside a wait. */
    private boolean answerSpecializations() {
        for (FakeAgent a : agents.values()) {
            for (int k = 0; k < a.pendingSpecializations.size(); k++) {
                if (answered.add(a.pendingSpecializations.get(k))) a.answerSpecialization(k, null);
            }
        }
        return true;
    }

    @Test
    void anActiveThatExitsIsReplacedByItsStandbyAtTheNextEpochAndANewStandbyStartsOnTheOtherNode() {
        nodes("n1", "n2");
        deploy(fn("pay", 3, Strategy.ACTIVE_STANDBY, true));
        ExecutorStatus.InstanceStatus active = awaitPair("pay");
        ExecutorStatus.InstanceStatus standby = members("pay", "standby").getFirst();

        agents.get(active.node()).kill(active.id());

        await().until(() -> !publisher.of("pay").isEmpty() && publisher.of("pay").getFirst().instanceId().equals(standby.id()));
        assertThat(publisher.of("pay").getFirst().epoch()).isEqualTo(2);
        // A new standby, off the new active's node: on the node the failed active ran on.
        await().until(() -> members("pay", "standby").size() == 1);
        assertThat(members("pay", "standby").getFirst().node()).isEqualTo(active.node());
        // The exit is seen by its agent's event or by the next probe's refused connection, whichever comes first.
        assertThat(eventTypes("pay")).contains(ClusterEvent.PROMOTED).containsAnyOf(ClusterEvent.INSTANCE_EXITED, ClusterEvent.UNRESPONSIVE);
        assertThat(events).filteredOn(e -> e.type().equals(ClusterEvent.PROMOTED) && e.instance().equals(standby.id()))
                .singleElement().satisfies(e -> assertThat(e.detail()).contains("epoch 2").contains(active.id()));
        await().until(() -> Long.valueOf(2).equals(agents.get(standby.node()).leaseEpochs.get(standby.id())));
        // The new standby holds the lease of the epoch after.
        ExecutorStatus.InstanceStatus next = members("pay", "standby").getFirst();
        await().until(() -> Long.valueOf(3).equals(agents.get(next.node()).leaseEpochs.get(next.id())));
    }

    @Test
    void aPairSharingANodeMovesItsStandbyToANodeThatJoinsStartingItOnce() {
        nodes("n1");
        deploy(fn("pay", 3, Strategy.ACTIVE_STANDBY, true));
        ExecutorStatus.InstanceStatus active = awaitPair("pay");
        assertThat(members("pay", "standby").getFirst().node()).isEqualTo("n1"); // the only node: shared, with a warning
        assertThat(executor.status().warnings()).isNotEmpty();
        FakeAgent joining = new FakeAgent("n2");
        joining.healthServers = instancesVertx;
        joining.holdLaunches = true; // the new standby takes its time to start, as a JVM does
        agents.put("n2", joining);

        nodes("n2");
        await().until(() -> joining.functionLaunches("pay").size() == 1);
        // While it starts, the executor's ticks neither stop it nor start another one (it once did both, in a loop).
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> joining.functionLaunches("pay").size() == 1);
        assertThat(joining.stops).isEmpty();

        await().until(() -> joining.heldLaunches.size() == 1);
        joining.finishHeldLaunch(0);
        await().until(() -> members("pay", "standby").size() == 1 && members("pay", "standby").getFirst().node().equals("n2"));
        assertThat(members("pay", "active").getFirst().id()).isEqualTo(active.id()); // traffic never moved
        await().until(() -> executor.status().warnings().isEmpty());
    }

    @Test
    void aHungActiveIsCaughtByItsProbesPromotedAwayFromFencedAndStopped() {
        nodes("n1", "n2");
        deploy(fn("pay", 3, Strategy.ACTIVE_STANDBY, false));
        ExecutorStatus.InstanceStatus active = awaitPair("pay");
        ExecutorStatus.InstanceStatus standby = members("pay", "standby").getFirst();

        agents.get(active.node()).freeze(active.id()); // no exit, no refused connection: only silence

        await().atMost(Duration.ofSeconds(5)).until(() -> !publisher.of("pay").isEmpty()
                && publisher.of("pay").getFirst().instanceId().equals(standby.id()));
        assertThat(eventTypes("pay")).contains(ClusterEvent.UNRESPONSIVE, ClusterEvent.FENCED, ClusterEvent.PROMOTED);
        await().until(() -> agents.get(active.node()).stops.contains(active.id()));
    }

    @Test
    void theRoutersReportOfAnUnreachableActivePromotesTheStandby() {
        nodes("n1", "n2");
        deploy(fn("pay", 3, Strategy.ACTIVE_STANDBY, false));
        awaitPair("pay");
        await().until(() -> publisher.of("pay").size() == 1);
        Endpoint active = publisher.of("pay").getFirst();

        executor.reportUnreachable(active);

        await().until(() -> !publisher.of("pay").isEmpty() && !publisher.of("pay").getFirst().instanceId().equals(active.instanceId()));
        assertThat(publisher.of("pay").getFirst().epoch()).isEqualTo(active.epoch() + 1);
    }

    @Test
    void whenTheActivesNodeDiesTheStandbyIsPromotedBeforeTheRouterCouldSeeTheFunctionWithoutEndpoint() {
        nodes("n1", "n2");
        deploy(fn("pay", 3, Strategy.ACTIVE_STANDBY, false));
        ExecutorStatus.InstanceStatus active = awaitPair("pay");
        ExecutorStatus.InstanceStatus standby = members("pay", "standby").getFirst();
        int before = publisher.all.get("pay").size();

        agents.get(active.node()).dropStream();

        await().until(() -> !publisher.of("pay").isEmpty() && publisher.of("pay").getFirst().instanceId().equals(standby.id()));
        assertThat(publisher.all.get("pay").subList(before, publisher.all.get("pay").size())).noneMatch(List::isEmpty);
        // One node left: the new standby shares it, and status says a node failure is not covered.
        await().until(() -> members("pay", "standby").size() == 1);
        assertThat(members("pay", "standby").getFirst().node()).isEqualTo(standby.node());
        assertThat(executor.status().warnings()).singleElement().asString().contains("pay").contains("one node");
    }

    @Test
    void aStandbyThatDiesIsReplacedWithoutTouchingTraffic() {
        nodes("n1", "n2");
        deploy(fn("pay", 3, Strategy.ACTIVE_STANDBY, false));
        awaitPair("pay");
        ExecutorStatus.InstanceStatus standby = members("pay", "standby").getFirst();
        await().until(() -> publisher.of("pay").size() == 1);
        int publishes = publisher.all.get("pay").size();

        agents.get(standby.node()).kill(standby.id());

        await().until(() -> members("pay", "standby").size() == 1 && !members("pay", "standby").getFirst().id().equals(standby.id()));
        assertThat(publisher.all.get("pay")).hasSize(publishes);
        assertThat(eventTypes("pay")).as("only the first active was ever made active").containsOnlyOnce(ClusterEvent.PROMOTED)
                .doesNotContain(ClusterEvent.FENCED);
    }

    @Test
    void aStandbyThatCannotStartIsRetriedWithBackOffNotInALoop() {
        nodes("n1", "n2");
        // Slow probes: this test is about launches, and runs longer than a probe's detection window.
        feed.push(Change.Type.ADDED, Specs.env("py", Runtime.HTTP, 0, "python3 {code}"));
        feed.push(Change.Type.ADDED, new Function(new Metadata("pay", 3, null, null), new FunctionSpec("py", Specs.CODE, "app",
                ExecutorType.POOLMGR, null, null, null, null, null, null,
                new FaultTolerance(Strategy.ACTIVE_STANDBY, null, null, null, Duration.ofSeconds(1), 10, null))));
        awaitPair("pay");
        ExecutorStatus.InstanceStatus standby = members("pay", "standby").getFirst();
        agents.values().forEach(a -> a.failLaunchesWith = "ClassNotFoundException: app");
        int before = agents.values().stream().mapToInt(a -> a.functionLaunches("pay").size()).sum();

        agents.get(standby.node()).kill(standby.id());

        await().until(() -> agents.values().stream().mapToInt(a -> a.functionLaunches("pay").size()).sum() == before + 1);
        // The failed launch starts a 1 s back-off: the executor's 100 ms ticks do not launch again meanwhile.
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2))
                .until(() -> agents.values().stream().mapToInt(a -> a.functionLaunches("pay").size()).sum() == before + 1);
        assertThat(executor.functionStatus("pay").error()).as(executor.status().toString() + events).contains("ClassNotFoundException");
        assertThat(members("pay", "active")).as(executor.status().toString() + events).hasSize(1); // still serving
    }

    @Test
    void pairMembersAreSpecializedFromTheWarmPoolAndKeptWhileTheyLoad() {
        nodes("n1", "n2");
        feed.push(Change.Type.ADDED, Specs.env("java", Runtime.JAVA, 1, null));
        await().until(() -> executor.status().instances().stream().filter(i -> i.role().equals("pool") && i.state().equals("ready")).count() == 2);
        feed.push(Change.Type.ADDED, new Function(new Metadata("pay", 3, null, null), new FunctionSpec("java", Specs.CODE, "example.Hello",
                ExecutorType.POOLMGR, null, null, null, null, null, null, new FaultTolerance(Strategy.ACTIVE_STANDBY, null, null, null, null, 5, null))));
        await().until(() -> agents.values().stream().mapToInt(a -> a.pendingSpecializations.size()).sum() == 2);

        // Loading takes several of the executor's ticks: the members loading are neither stopped nor doubled.
        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2)).until(() ->
                agents.values().stream().allMatch(a -> a.stops.isEmpty()) && agents.values().stream().mapToInt(a -> a.pendingSpecializations.size()).sum() == 2);
        agents.values().forEach(a -> a.answerSpecialization(0, null));

        ExecutorStatus.InstanceStatus active = awaitPair("pay");
        assertThat(active.id()).startsWith("pool-java");
        assertThat(members("pay", "standby").getFirst().node()).isNotEqualTo(active.node());
    }

    @Test
    void anUpdateRollsThePairWithoutLeavingTheFunctionWithoutAnActive() {
        nodes("n1", "n2");
        deploy(fn("pay", 3, Strategy.ACTIVE_STANDBY, false));
        ExecutorStatus.InstanceStatus first = awaitPair("pay");
        int before = publisher.all.get("pay").size();

        feed.push(Change.Type.MODIFIED, fn("pay", 4, Strategy.ACTIVE_STANDBY, false));

        await().until(() -> !publisher.of("pay").isEmpty() && !publisher.of("pay").getFirst().instanceId().equals(first.id()));
        await().until(() -> members("pay", "standby").size() == 1);
        assertThat(publisher.of("pay").getFirst().epoch()).isGreaterThan(first.epoch());
        assertThat(publisher.all.get("pay").subList(before, publisher.all.get("pay").size())).noneMatch(List::isEmpty);
        await().until(() -> agents.get(first.node()).stops.contains(first.id()));
    }

    @Test
    void aRetryFunctionSwitchedToActiveStandbyKeepsServingUntilItsActiveIsReady() {
        nodes("n1", "n2");
        deploy(fn("pay", 3, Strategy.RETRY, true));
        await().until(() -> publisher.of("pay").size() == 1);
        String replica = publisher.of("pay").getFirst().instanceId();
        int before = publisher.all.get("pay").size();

        feed.push(Change.Type.MODIFIED, fn("pay", 4, Strategy.ACTIVE_STANDBY, true));

        awaitPair("pay");
        await().until(() -> publisher.of("pay").getFirst().epoch() == 1);
        assertThat(publisher.all.get("pay").subList(before, publisher.all.get("pay").size())).noneMatch(List::isEmpty);
        await().until(() -> executor.status().instances().stream().noneMatch(i -> i.id().equals(replica)));
    }

    @Test
    void replicateKeepsItsReplicasOnDistinctNodesAndPublishesThemAll() {
        nodes("n1", "n2", "n3");
        deploy(fn("calc", 3, Strategy.REPLICATE, false));
        await().until(() -> publisher.of("calc").size() == 2);
        assertThat(publisher.of("calc")).extracting(Endpoint::node).doesNotHaveDuplicates();
        assertThat(publisher.of("calc")).extracting(Endpoint::epoch).containsOnly(0L);

        Endpoint lost = publisher.of("calc").getFirst();
        agents.get(lost.node()).kill(lost.instanceId());
        await().until(() -> publisher.of("calc").size() == 2 && !publisher.of("calc").contains(lost));
        assertThat(publisher.of("calc")).extracting(Endpoint::node).doesNotHaveDuplicates();
    }
}
