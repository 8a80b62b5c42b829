package io.tandem.bench;

import io.tandem.chaos.Chaos;
import io.tandem.chaos.ClusterStatus;
import io.tandem.client.TandemClient;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.Durations;
import io.tandem.model.ExecutorType;
import io.tandem.model.FaultTolerance;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import io.tandem.model.Strategy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem bench failover}: for each strategy and each fault, trials in which an open-loop load runs against a
 * java function on a fresh server while the fault is injected, and what the clients saw: requests sent, succeeded,
 * failed and re-sent, and the recovery time (fault to first success, and until latency is back to normal).
 *
 * <p>Each trial starts its own server (a killed node does not come back by itself), so trials are independent.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
        description = {"Recovery of each strategy from an instance kill, a node kill and a node freeze under load.",
                "Per strategy and fault: requests sent, succeeded, failed, re-sent, and recovery times, median of trials,",
                "with each strategy's blackout against retry's from the same run."})
final class Failover implements Callable<Integer> {
    @Option(names = "--strategies", split = ",", defaultValue = "retry,active-standby,replicate",
            description = "Strategies to measure (default: ${DEFAULT-VALUE}).")
    List<String> strategies;
    @Option(names = "--faults", split = ",", defaultValue = "instance,node,freeze",
            description = "Faults to inject: instance (SIGKILL the serving instance), node (SIGKILL its agent and instances), freeze (SIGSTOP them, then SIGCONT) (default: ${DEFAULT-VALUE}).")
    List<String> faults;
    @Option(names = "--trials", defaultValue = "10", description = "Trials per strategy and fault (default: ${DEFAULT-VALUE}).")
    int trials;
    @Option(names = "--rate", defaultValue = "100", description = "Requests per second, open loop (default: ${DEFAULT-VALUE}).")
    int rate;
    @Option(names = "--seconds", defaultValue = "8", description = "Length of the load in each trial (default: ${DEFAULT-VALUE}).")
    int seconds;
    @Option(names = "--fault-at", defaultValue = "2s", description = "When the fault is injected after the load starts (default: ${DEFAULT-VALUE}).")
    String faultAt;
    @Option(names = "--freeze", defaultValue = "5s", description = "How long a frozen node stays stopped (default: ${DEFAULT-VALUE}).")
    String freezeFor;
    @Option(names = "--nodes", defaultValue = "3", description = "Nodes of each server (default: ${DEFAULT-VALUE}).")
    int nodes;
    @Option(names = "--jar", defaultValue = "examples/hello/target/hello.jar", description = "The function jar (default: ${DEFAULT-VALUE}).")
    Path jar;
    @Option(names = "--entrypoint", defaultValue = "example.Hello", description = "Its handler class (default: ${DEFAULT-VALUE}).")
    String entrypoint;

    /** Latency above this many times the pre-fault median counts as not yet recovered. */
    private static final double NORMAL_FACTOR = 3.0;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(jar)) {
            System.err.println("no such jar " + jar + ": build the examples first (./mvnw -q package -DskipTests)");
            return 3;
        }
        Duration at = Durations.parse("--fault-at", faultAt);
        Duration freeze = Durations.parse("--freeze", freezeFor);
        if (at.toSeconds() >= seconds) {
            System.err.println("--fault-at " + faultAt + " must come before the load ends (--seconds " + seconds + ")");
            return 2;
        }
        System.out.printf("failover: java function %s, %d nodes, %d req/s open loop for %d s, fault at %s, %d trials each, %d cores%n",
                entrypoint, nodes, rate, seconds, faultAt, trials, java.lang.Runtime.getRuntime().availableProcessors());
        Map<String, List<Recovery>> results = new LinkedHashMap<>();
        for (String s : strategies) {
            Strategy strategy = Strategy.fromWire("--strategies", s);
            for (String fault : faults) {
                List<Recovery> runs = new ArrayList<>();
                for (int t = 1; t <= trials; t++) {
                    Recovery r;
                    try {
                        r = trial(strategy, fault, at, freeze);
                    } catch (Exception e) {
                        System.out.printf("  %-14s %-8s trial %2d: not counted, %s%n", s, fault, t, e.getMessage());
                        continue;
                    }
                    runs.add(r);
                    System.out.printf(Locale.ROOT, "  %-14s %-8s trial %2d: sent %d ok %d failed %d re-sent %d | blackout %.0f ms, worst latency %.0f ms, normal after %.0f ms (p50 before %.1f ms)%n",
                            s, fault, t, r.sent(), r.succeeded(), r.failed(), r.resent(), r.blackoutMillis(), r.worstMillis(), r.normalMillis(), r.baselineP50Millis());
                }
                results.put(s + " / " + fault, runs);
            }
        }
        System.out.println();
        System.out.println("blackout: longest time after the fault with no successful answer; worst: highest latency of a request sent in the second after it");
        System.out.printf("%-26s %-13s %-13s %-22s %-22s %-22s%n", "strategy / fault", "failed med(max)", "re-sent med(max)",
                "blackout ms med(min..max)", "worst ms med(min..max)", "normal after ms med(min..max)");
        results.forEach((key, runs) -> System.out.printf(Locale.ROOT, "%-26s %-15s %-16s %-25s %-22s %-22s%n", key,
                medianMax(runs.stream().map(r -> (double) r.failed()).toList()),
                medianMax(runs.stream().map(r -> (double) r.resent()).toList()),
                range(runs.stream().map(Recovery::blackoutMillis).toList()),
                range(runs.stream().map(Recovery::worstMillis).toList()),
                range(runs.stream().map(Recovery::normalMillis).toList())));
        printAgainstRetry(results);
        System.out.println("targets (DESIGN.md): instance crash < 100 ms and 0 failed; node crash or freeze < 500 ms and 0 failed (idempotent); retry node crash < 3 s");
        return 0;
    }

    private Recovery trial(Strategy strategy, String fault, Duration at, Duration freeze) throws Exception {
        try (ServerProcess server = ServerProcess.start(nodes); RateLoad load = new RateLoad()) {
            TandemClient client = server.client();
            // No exec pool (it serves nothing here) and one warm java instance per node (enough for a replacement
            // standby): pool processes would only compete with the function for the cores, and boot slowly.
            client.put("/v1/environments/exec", new Environment(Metadata.named("exec"), new EnvironmentSpec(Runtime.EXEC, null, 0, null)));
            client.put("/v1/environments/java", new Environment(Metadata.named("java"), new EnvironmentSpec(Runtime.JAVA, null, 1, null)));
            CodeRef ref = client.uploadPackage(jar);
            String name = "failover";
            client.put("/v1/functions/" + name, new Function(Metadata.named(name), new FunctionSpec("java", ref, entrypoint,
                    ExecutorType.NEWDEPLOY, 1, 1, null, null, null, null, FaultTolerance.defaults().withStrategy(strategy))));
            Chaos chaos = Chaos.local(client);
            awaitServing(chaos, name, strategy);
            awaitSettled(chaos);
            URI target = URI.create(server.info().router() + "/function/" + name);
            // Warm the path (JIT, connections) before measuring.
            load.run(target, rate, Duration.ofSeconds(1), Duration.ofSeconds(10), System.nanoTime());

            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            CompletableFuture<List<RateLoad.Sample>> samples = CompletableFuture.supplyAsync(() -> {
                try {
                    return load.run(target, rate, Duration.ofSeconds(seconds), Duration.ofSeconds(30), start);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            long faultDue = start + at.toNanos();
            while (System.nanoTime() < faultDue) Thread.sleep(Math.max(1, (faultDue - System.nanoTime()) / 1_000_000)); // the fault's moment: a schedule, not a wait on a condition
            // The instance that serves now (a false failover during the warm-up may have moved it).
            ClusterStatus.Instance victim = awaitServing(chaos, name, strategy);
            // The fault's moment is when the signal went, as chaos reports it (it looks its targets up first).
            long wallAtStart = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long signalledAtMs = switch (fault) {
                case "instance" -> chaos.killInstanceById(name, victim.id()).signalledAtMs();
                case "node" -> chaos.killNode(victim.node()).signalledAtMs();
                case "freeze" -> chaos.freezeNode(victim.node(), freeze).frozenAtMs();
                default -> throw new IllegalArgumentException("unknown fault '" + fault + "': use instance, node or freeze");
            };
            long faultNanos = TimeUnit.MILLISECONDS.toNanos(signalledAtMs - wallAtStart);
            return Recovery.of(samples.get(seconds + 60L, TimeUnit.SECONDS), faultNanos, NORMAL_FACTOR);
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

    /** The baseline measured in the same run: each strategy's median blackout against retry's, fault by fault. */
    private void printAgainstRetry(Map<String, List<Recovery>> results) {
        for (String fault : faults) {
            List<Recovery> retry = results.get("retry / " + fault);
            if (retry == null || retry.isEmpty()) continue;
            double base = medianBlackout(retry);
            for (String s : strategies) {
                List<Recovery> runs = results.get(s + " / " + fault);
                if (s.equals("retry") || runs == null || runs.isEmpty()) continue;
                double mine = medianBlackout(runs);
                System.out.printf(Locale.ROOT, "%-26s blackout %.0f ms against retry's %.0f ms: x%.2f%n", s + " / " + fault, mine, base, mine / base);
            }
        }
    }

    private static double medianBlackout(List<Recovery> runs) {
        List<Double> known = runs.stream().map(Recovery::blackoutMillis).filter(v -> !v.isNaN()).toList();
        return known.isEmpty() ? Double.NaN : Stats.of(known).median();
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

    private static String medianMax(List<Double> values) {
        Stats s = Stats.of(values);
        return String.format(Locale.ROOT, "%.0f (%.0f)", s.median(), s.max());
    }

    private static String range(List<Double> values) {
        List<Double> known = values.stream().filter(v -> !v.isNaN()).toList();
        if (known.isEmpty()) return "none";
        Stats s = Stats.of(known);
        return String.format(Locale.ROOT, "%.0f (%.0f..%.0f)%s", s.median(), s.min(), s.max(),
                known.size() < values.size() ? " " + (values.size() - known.size()) + " never" : "");
    }
}
