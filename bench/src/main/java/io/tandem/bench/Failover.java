package io.tandem.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.chaos.Chaos;
import io.tandem.chaos.ClusterStatus;
import io.tandem.client.TandemClient;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Durations;
import io.tandem.model.Runtime;
import io.tandem.model.Strategy;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem bench failover}: for each runtime, strategy and fault, trials in which an open-loop load runs against
 * a trivial function on a fresh server while the fault is injected (or none), optionally beside a CPU hog, and what
 * the clients and the cluster saw: requests sent, served, failed and shed, the worst wait, promotions and false
 * failovers, and the recovery time (fault to first success, and until latency is back to normal).
 *
 * <p>Each trial starts its own server (a killed node does not come back by itself), so trials are independent.
 */
@Command(name = "failover", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Recovery of each strategy from an instance kill, a node kill and a node freeze under",
                "load, per runtime. Per runtime, strategy and fault: requests sent, served, failed and shed,",
                "worst wait, p50/p99, promotions and false failovers (promotions the fault does not explain),",
                "recovery times (median of trials), and each strategy's blackout against retry's.",
                "--faults none and --stress show false failovers: promotions with no fault, or under CPU load."})
final class Failover implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--runtime", split = ",", defaultValue = "java", paramLabel = "exec|java|http",
            description = "Runtimes of the function, a comma list: java (the hello jar), exec (the exec-hello script, a process per request), http (a trivial HTTP server) (default: ${DEFAULT-VALUE}).")
    List<String> runtimes;
    @Option(names = "--strategies", split = ",", defaultValue = "retry,active-standby,replicate",
            description = "Strategies to measure (default: ${DEFAULT-VALUE}).")
    List<String> strategies;
    @Option(names = "--faults", split = ",", defaultValue = "instance,node,freeze",
            description = "Faults to inject: none (nothing: every promotion is a false failover), instance (SIGKILL the serving instance), node (SIGKILL its agent and instances), freeze (SIGSTOP them, then SIGCONT) (default: ${DEFAULT-VALUE}).")
    List<String> faults;
    @Option(names = "--rate", defaultValue = "100", paramLabel = "N", description = "Requests per second, open loop (default: ${DEFAULT-VALUE}).")
    int rate;
    @Option(names = "--stress", description = "Keep every core busy during the load: a CPU hog process with one spinning thread per processor, at normal priority.")
    boolean stress;
    @Option(names = "--trials", defaultValue = "10", description = "Trials per runtime, strategy and fault (default: ${DEFAULT-VALUE}).")
    int trials;
    @Option(names = "--seconds", defaultValue = "8", description = "Length of the load in each trial (default: ${DEFAULT-VALUE}).")
    int seconds;
    @Option(names = "--fault-at", defaultValue = "2s", description = "When the fault is injected after the load starts (default: ${DEFAULT-VALUE}).")
    String faultAt;
    @Option(names = "--freeze", defaultValue = "5s", description = "How long a frozen node stays stopped (default: ${DEFAULT-VALUE}).")
    String freezeFor;
    @Option(names = "--nodes", defaultValue = "3", description = "Nodes of each server (default: ${DEFAULT-VALUE}).")
    int nodes;
    @Option(names = "--jar", defaultValue = "examples/hello/target/hello.jar", description = "The java function's jar (default: ${DEFAULT-VALUE}).")
    Path jar;
    @Option(names = "--entrypoint", defaultValue = "example.Hello", description = "Its handler class (default: ${DEFAULT-VALUE}).")
    String entrypoint;
    @Option(names = "--script", defaultValue = "examples/exec/hello.sh", description = "The exec function's script (default: ${DEFAULT-VALUE}).")
    Path script;

    /** Latency above this many times the pre-fault median counts as not yet recovered. */
    private static final double NORMAL_FACTOR = 3.0;
    private static final String FUNCTION = "failover";

    /** One cell of the benchmark. */
    record Key(Runtime runtime, Strategy strategy, Fault fault) {
        String label() {
            return runtime.wireName() + " / " + strategy.wireName() + " / " + fault.wireName();
        }
    }

    /**
     * One trial: what the clients saw, the recovery read from it, and the promotions in the cluster's events (null
     * when the strategy has no standby to promote).
     */
    record Trial(Tally tally, Recovery recovery, FalseFailovers failovers) {
    }

    /** The options, read and checked before any server starts. */
    record Plan(List<Runtime> runtimes, List<Strategy> strategies, List<Fault> faults, Duration faultAt, Duration freeze) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Plan plan;
        try {
            plan = plan();
        } catch (IllegalArgumentException e) {
            err.println("tandem bench failover: " + e.getMessage());
            return 2;
        }
        FailoverFunction function = new FailoverFunction(jar, entrypoint, script);
        for (Runtime r : plan.runtimes()) {
            Path missing = function.missingFile(r);
            if (missing != null) {
                err.println("tandem bench failover: no such file " + missing + " for the " + r.wireName()
                        + " function: build the examples first (./mvnw -q package -DskipTests)");
                return 3;
            }
        }
        printHeader(plan);
        Map<Key, List<Trial>> results = new LinkedHashMap<>();
        for (Runtime runtime : plan.runtimes()) {
            for (Strategy strategy : plan.strategies()) {
                for (Fault fault : plan.faults()) {
                    Key key = new Key(runtime, strategy, fault);
                    results.put(key, trials(function, key, plan));
                }
            }
        }
        new FailoverReport(results, plan).print();
        return 0;
    }

    private void printHeader(Plan plan) {
        int cores = java.lang.Runtime.getRuntime().availableProcessors();
        System.out.printf("failover: %s function, %d nodes, %d req/s open loop for %d s, fault at %s, %d trial(s) each, %d cores%s%n",
                String.join(",", plan.runtimes().stream().map(Runtime::wireName).toList()), nodes, rate, seconds, faultAt, trials, cores,
                stress ? ", with a CPU hog of " + cores + " spinning threads during the load" : "");
    }

    /** The {@code --trials} trials of one cell, each printed as it ends; a trial that failed is left out. */
    private List<Trial> trials(FailoverFunction function, Key key, Plan plan) {
        List<Trial> runs = new ArrayList<>();
        for (int t = 1; t <= trials; t++) {
            Trial trial;
            try {
                trial = trial(function, key, plan);
            } catch (Exception e) {
                System.out.printf("  %-34s trial %2d: not counted, %s%n", key.label(), t, e.getMessage());
                continue;
            }
            runs.add(trial);
            printTrial(key, t, trial);
        }
        return runs;
    }

    /** Reads the lists and durations of the options; a wrong one is an {@link IllegalArgumentException} saying which. */
    Plan plan() {
        if (rate < 1 || rate > 10_000) throw new IllegalArgumentException("--rate must be 1 to 10000 requests a second, not " + rate);
        if (trials < 1) throw new IllegalArgumentException("--trials must be at least 1, not " + trials);
        if (nodes < 2) throw new IllegalArgumentException("--nodes must be at least 2 (a standby or a second replica needs a node of its own), not " + nodes);
        Duration at = duration("--fault-at", faultAt);
        Duration freeze = duration("--freeze", freezeFor);
        if (at.toSeconds() >= seconds) {
            throw new IllegalArgumentException("--fault-at " + faultAt + " must come before the load ends (--seconds " + seconds + ")");
        }
        List<Runtime> rs = parsed(runtimes, Failover::benchedRuntime, "runtime", "exec, java or http");
        List<Strategy> ss = parsed(strategies, Strategy::fromWire, "strategy", "retry, active-standby or replicate");
        if (ss.contains(Strategy.NONE)) throw new IllegalArgumentException("strategy 'none' has nothing to fail over: use retry, active-standby or replicate");
        List<Fault> fs = faults.stream().map(Fault::parse).distinct().toList();
        return new Plan(rs, ss, fs, at, freeze);
    }

    private static Duration duration(String option, String text) {
        try {
            return Durations.parse(option, text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    private Trial trial(FailoverFunction function, Key key, Plan plan) throws Exception {
        Strategy strategy = key.strategy();
        try (ServerProcess server = ServerProcess.start(nodes); RateLoad load = new RateLoad()) {
            TandemClient client = server.client();
            function.deploy(client, key.runtime(), strategy, FUNCTION);
            Chaos chaos = Chaos.local(client);
            awaitServing(chaos, FUNCTION, strategy);
            awaitSettled(chaos);
            long eventsAfter = lastEventSeq(client);
            URI target = URI.create(server.info().router() + "/function/" + FUNCTION);
            Measured measured;
            // The hog runs from before the warm-up until the last answer, and never longer (null: no --stress).
            try (CpuHog hog = stress ? CpuHog.start(java.lang.Runtime.getRuntime().availableProcessors()) : null) {
                // Warm the path (JIT, connections) before measuring.
                load.run(target, rate, Duration.ofSeconds(1), Duration.ofSeconds(10), System.nanoTime());
                measured = measure(load, target, chaos, key, plan);
            }
            FalseFailovers failovers = null;
            if (strategy == Strategy.ACTIVE_STANDBY) {
                Thread.sleep(500); // the executor ships its events to the controller asynchronously: let the last ones land
                // For active-standby the victim is always the active (or its node).
                failovers = FalseFailovers.of(promotions(client, eventsAfter), measured.faultAt(), key.fault().promotionsExplained(true));
            }
            return new Trial(Tally.of(measured.samples()), Recovery.of(measured.samples(), measured.faultNanos(), NORMAL_FACTOR), failovers);
        }
    }

    /**
     * The measured load and when its fault struck: on the wall clock (null with no fault), and in nanoseconds from the
     * load's start (with no fault, the moment it would have struck).
     */
    private record Measured(List<RateLoad.Sample> samples, Instant faultAt, long faultNanos) {
    }

    /** Runs the measured load on a thread of its own and strikes the fault at its moment. */
    private Measured measure(RateLoad load, URI target, Chaos chaos, Key key, Plan plan) throws Exception {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        CompletableFuture<List<RateLoad.Sample>> measured = CompletableFuture.supplyAsync(() -> {
            try {
                return load.run(target, rate, Duration.ofSeconds(seconds), Duration.ofSeconds(30), start);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        long faultDue = start + plan.faultAt().toNanos();
        while (System.nanoTime() < faultDue) Thread.sleep(Math.max(1, (faultDue - System.nanoTime()) / 1_000_000)); // the fault's moment: a schedule, not a wait on a condition
        if (key.fault() == Fault.NONE) {
            // nothing happens; the recovery figures read from the same moment
            return new Measured(measured.get(seconds + 60L, TimeUnit.SECONDS), null, faultDue - start);
        }
        long signalledAtMs = strike(chaos, key, plan);
        // The fault's moment is when the signal went, as chaos reports it (it looks its targets up first).
        long wallAtStart = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long faultNanos = TimeUnit.MILLISECONDS.toNanos(signalledAtMs - wallAtStart);
        return new Measured(measured.get(seconds + 60L, TimeUnit.SECONDS), Instant.ofEpochMilli(signalledAtMs), faultNanos);
    }

    /** Injects the fault into the instance that serves now; returns when its signal went (epoch ms). */
    private static long strike(Chaos chaos, Key key, Plan plan) throws Exception {
        // The instance that serves now (a false failover during the warm-up may have moved it).
        ClusterStatus.Instance victim = awaitServing(chaos, FUNCTION, key.strategy());
        return switch (key.fault()) {
            case INSTANCE -> chaos.killInstanceById(FUNCTION, victim.id()).signalledAtMs();
            case NODE -> chaos.killNode(victim.node()).signalledAtMs();
            case FREEZE -> chaos.freezeNode(victim.node(), plan.freeze()).frozenAtMs();
            case NONE -> throw new IllegalStateException("unreachable");
        };
    }

    private static void printTrial(Key key, int t, Trial trial) {
        Tally c = trial.tally();
        Recovery r = trial.recovery();
        String promotions = trial.failovers() == null ? "" : String.format(" | promotions %d, false %d",
                trial.failovers().promotions(), trial.failovers().count());
        String failures = c.failed() == 0 ? "" : " (" + c.failuresByStatus() + ")";
        System.out.printf(Locale.ROOT, "  %-34s trial %2d: sent %d ok %d failed %d%s shed %d re-sent %d | worst %.0f ms p50 %.1f p99 %.1f%s"
                        + " | blackout %.0f ms, normal after %.0f ms%n",
                key.label(), t, c.sent(), c.ok(), c.failed(), failures, c.shed(), r.resent(), c.worstMillis(), c.p50Millis(), c.p99Millis(),
                promotions, r.blackoutMillis(), r.normalMillis());
    }

    /** The newest event's seq: events after it belong to the trial. */
    private static long lastEventSeq(TandemClient client) {
        long last = 0;
        for (JsonNode e : client.get("/v1/events?limit=1")) last = Math.max(last, e.path("seq").asLong());
        return last;
    }

    /** When the function's standbys were promoted, after event {@code after}. */
    private static List<Instant> promotions(TandemClient client, long after) {
        List<Instant> out = new ArrayList<>();
        long since = after;
        while (true) {
            JsonNode page = client.get("/v1/events?function=" + FUNCTION + "&since=" + since + "&limit=1000");
            if (page.isEmpty()) return out;
            for (JsonNode e : page) {
                since = Math.max(since, e.path("seq").asLong());
                if (ClusterEvent.PROMOTED.equals(e.path("type").asText())) out.add(Instant.parse(e.path("at").asText()));
            }
            if (page.size() < 1000) return out;
        }
    }

    /** Waits until the function serves as its strategy wants (a pair, or its replicas), and returns the instance that serves. */
    private static ClusterStatus.Instance awaitServing(Chaos chaos, String name, Strategy strategy) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            List<ClusterStatus.Instance> ready = chaos.status().instancesOf(name).stream().filter(i -> i.state().equals("ready")).toList();
            switch (strategy) {
                case ACTIVE_STANDBY -> {
                    var active = ready.stream().filter(i -> i.role().equals("active")).findFirst();
                    if (active.isPresent() && ready.stream().anyMatch(i -> i.role().equals("standby"))) return active.get();
                }
                case REPLICATE -> {
                    if (ready.size() >= 2) return ready.getFirst();
                }
                default -> {
                    if (!ready.isEmpty()) return ready.getFirst();
                }
            }
            Thread.sleep(50); // polling the server's status: it has no change stream for instances
        }
        throw new IllegalStateException("function '" + name + "' was not ready within 60 s under " + strategy.wireName());
    }

    /**
     * Waits until no instance is starting, so that JVMs booting for the warm pools do not share the cores with the
     * measured load: each trial starts from a settled cluster.
     */
    private static void awaitSettled(Chaos chaos) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (chaos.status().instances().stream().allMatch(i -> i.state().equals("ready"))) return;
            Thread.sleep(50); // polling the server's status: it has no change stream for instances
        }
        throw new IllegalStateException("instances were still starting after 60 s");
    }

    /** Each distinct value of a comma-list option read by {@code fromWire}; an unknown one is refused naming the choices. */
    /** A runtime the benchmarks deploy: not {@code lambda}, whose functions bring their own runtime client. */
    static Runtime benchedRuntime(String wire) {
        Runtime runtime = Runtime.fromWire(wire);
        if (runtime == Runtime.LAMBDA) throw new IllegalArgumentException("lambda is not benchmarked");
        return runtime;
    }

    static <T> List<T> parsed(List<String> values, java.util.function.Function<String, T> fromWire, String what, String choices) {
        return values.stream().map(String::trim).distinct().map(v -> {
            try {
                return fromWire.apply(v);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("unknown " + what + " '" + v + "': use " + choices);
            }
        }).toList();
    }
}
