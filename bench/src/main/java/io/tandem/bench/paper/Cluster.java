package io.tandem.bench.paper;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.bench.ServerProcess;
import io.tandem.chaos.Chaos;
import io.tandem.chaos.ClusterStatus;
import io.tandem.chaos.Freeze;
import io.tandem.client.TandemClient;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.HttpTrigger;
import io.tandem.model.HttpTriggerSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import io.tandem.model.Strategy;
import io.tandem.spec.SpecDocument;
import io.tandem.spec.SpecFiles;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One app deployed under one strategy on a server of its own (a child process, {@code nodes} agents), from the app's
 * spec file in {@code examples/specs} with the strategy set. Runs reuse it: {@link #settle} brings a killed node back
 * and waits until the app serves as its strategy wants before each one.
 *
 * <p>Used by one thread at a time (the experiment's), except {@link #processes} and {@link #roles}, which the resource
 * sampler reads.
 */
final class Cluster implements AutoCloseable {
    private final ServerProcess server;
    private final App app;
    private final Strategy strategy;
    private final int nodes;
    private final Chaos chaos;
    /** Nodes whose agent {@link #settle} started again and that have not shown alive yet. */
    private final Set<String> restarting = new HashSet<>();

    private Cluster(ServerProcess server, App app, Strategy strategy, int nodes) {
        this.server = server;
        this.app = app;
        this.strategy = strategy;
        this.nodes = nodes;
        this.chaos = Chaos.local(server.client());
    }

    /**
     * Starts a server and deploys {@code app} on it. No exec pool and one warm java instance per node (enough for a
     * replacement), so idle pool JVMs do not compete with the app for the cores.
     */
    /** Starts a server and deploys {@code app} under {@code strategy}, its functions given {@code variables}. */
    static Cluster start(App app, Strategy strategy, int nodes, Path examples, Map<String, String> variables) throws Exception {
        ServerProcess server = ServerProcess.start(nodes);
        try {
            TandemClient client = server.client();
            client.put("/v1/environments/exec", new Environment(Metadata.named("exec"), new EnvironmentSpec(Runtime.EXEC, null, 0, null)));
            client.put("/v1/environments/java", new Environment(Metadata.named("java"), new EnvironmentSpec(Runtime.JAVA, null, 1, null)));
            for (SpecDocument doc : SpecFiles.load(app.specFile(examples))) {
                switch (doc.kind()) {
                    case FUNCTION -> {
                        CodeRef code = client.uploadPackage(((SpecDocument.CodePath) doc.spec()).path());
                        FunctionSpec f = SpecFiles.functionSpec(doc, code);
                        Map<String, String> env = new HashMap<>(f.variables());
                        env.putAll(variables);
                        FunctionSpec deployed = f.withFaultTolerance(f.faultTolerance().withStrategy(strategy)).withResources(f.memory(), f.cpu(), env);
                        client.apply(new Function(Metadata.named(doc.name()), deployed));
                    }
                    case HTTP_TRIGGER -> client.apply(new HttpTrigger(Metadata.named(doc.name()), (HttpTriggerSpec) doc.spec()));
                    case ENVIRONMENT -> client.apply(new Environment(Metadata.named(doc.name()), (EnvironmentSpec) doc.spec()));
                }
            }
            return new Cluster(server, app, strategy, nodes);
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    URI router() {
        return URI.create(server.info().router());
    }

    /**
     * Brings back every node a fault killed, then waits until every node is alive, no instance is starting and each
     * of the app's functions serves as its strategy wants (an active and a standby; two replicas; one instance).
     *
     * @throws IllegalStateException when that takes longer than {@code timeout}
     */
    void settle(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ClusterStatus status = chaos.status();
            for (ClusterStatus.Node n : status.nodes()) {
                // Only a node whose agent is gone comes back: one declared dead while it runs (frozen, or starved of
                // CPU) registers again by itself.
                boolean agentGone = ProcessHandle.of(n.pid()).map(p -> !p.isAlive()).orElse(true);
                if ("dead".equals(n.state()) && agentGone && !restarting.contains(n.name())) {
                    server.restartNode(n.name());
                    restarting.add(n.name());
                }
            }
            boolean nodesAlive = status.nodes().size() >= nodes && status.nodes().stream().allMatch(n -> "alive".equals(n.state()));
            if (nodesAlive) restarting.clear();
            boolean settled = status.instances().stream().allMatch(i -> "ready".equals(i.state()));
            if (nodesAlive && settled && app.functions().stream().allMatch(f -> serving(status, f) != null)) return;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cluster did not settle within " + timeout.toSeconds() + " s (nodes "
                        + status.nodes() + ", instances " + status.instances() + ")");
            }
            Thread.sleep(100); // polling the server's status: it has no change stream for instances
        }
    }

    /** The instance that serves {@code function} now, or null when it does not serve as its strategy wants. */
    private ClusterStatus.Instance serving(ClusterStatus status, String function) {
        List<ClusterStatus.Instance> ready = status.instancesOf(function).stream().filter(i -> "ready".equals(i.state()) && i.pid() > 0).toList();
        return switch (strategy) {
            case ACTIVE_STANDBY -> ready.stream().anyMatch(i -> i.role().equals("standby"))
                    ? ready.stream().filter(i -> i.role().equals("active")).findFirst().orElse(null) : null;
            case REPLICATE -> ready.size() >= 2 ? ready.getFirst() : null;
            default -> ready.isEmpty() ? null : ready.getFirst();
        };
    }

    /** A fault as it struck: when the signal went (wall clock, ms) and what it hit. */
    record Struck(long atMs, String detail) {
    }

    /**
     * Strikes the instance that serves the app's {@linkplain App#faultTarget() target function}, or its node. A
     * freeze holds the node stopped for {@code freeze} on the calling thread, then resumes it (also when
     * interrupted).
     */
    Struck strike(Scenario scenario, Duration freeze) throws InterruptedException {
        ClusterStatus status = chaos.status();
        ClusterStatus.Instance victim = serving(status, app.faultTarget());
        if (victim == null) throw new IllegalStateException("no instance of " + app.faultTarget() + " serves to strike: " + status.instances());
        String what = victim.id() + " (" + victim.role() + ") on " + victim.node();
        return switch (scenario) {
            case NONE -> throw new IllegalArgumentException("no fault in scenario none");
            case INSTANCE -> new Struck(chaos.killInstanceById(app.faultTarget(), victim.id()).signalledAtMs(), "killed instance " + what);
            case NODE -> new Struck(chaos.killNode(victim.node()).signalledAtMs(), "killed node " + victim.node() + ", serving " + what);
            case FREEZE -> {
                try (Freeze frozen = chaos.freezeNode(victim.node())) {
                    long at = frozen.frozenAtMs();
                    try {
                        Thread.sleep(freeze);
                    } finally {
                        frozen.thaw();
                    }
                    yield new Struck(at, "froze node " + victim.node() + " for " + freeze.toMillis() + " ms, serving " + what);
                }
            }
        };
    }

    /** The processes of this cluster now. Any thread. */
    List<ProcessHandle> processes() {
        return server.processTree();
    }

    /**
     * What each process of the cluster is, by pid, from the server's status: {@link ResourceSampler#PLATFORM} for the
     * server, the controller and the agents, the role for an instance. Any thread.
     */
    Map<Long, String> roles() {
        JsonNode json = server.client().get("/v1/status");
        ClusterStatus status = ClusterStatus.fromJson(json);
        Map<Long, String> roles = new HashMap<>();
        for (ClusterStatus.Instance i : status.instances()) roles.put(i.pid(), i.role());
        for (ClusterStatus.Node n : status.nodes()) roles.put(n.pid(), ResourceSampler.PLATFORM);
        roles.put(json.path("controller").path("pid").asLong(), ResourceSampler.PLATFORM);
        roles.put(server.pid(), ResourceSampler.PLATFORM);
        return roles;
    }

    @Override
    public void close() throws Exception {
        server.close();
    }

    static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) TimeUnit.NANOSECONDS.sleep(Math.min(left, 50_000_000L)); // a schedule, not a wait on a condition
    }
}
