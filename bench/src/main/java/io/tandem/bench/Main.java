package io.tandem.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.bench.paper.PaperCommand;
import io.tandem.client.TandemClient;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench ...}: Tandem's benchmarks. Each prints its figures; none asserts anything. */
@Command(name = "tandem bench", mixinStandardHelpOptions = true,
        description = "Benchmarks against a real server started in a child process.",
        subcommands = {Main.RouterHop.class, Main.ColdStart.class, Failover.class, EventsBench.class, PaperCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The benchmarks' command line, as {@code tandem bench} runs it. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // A mistake gets one line saying what was wrong, not the whole usage.
        cli.setParameterExceptionHandler((e, given) -> {
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            e.getCommandLine().getErr().println(command + ": " + e.getMessage());
            e.getCommandLine().getErr().println("Try '" + command + " --help' for the options.");
            return 2;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "router-hop", mixinStandardHelpOptions = true,
            description = {"Router overhead: req/s and p50/p99 of a trivial function, direct and through the router,",
                    "the router once with its per-request metrics on and once with them off (two servers).",
                    "The three targets alternate in one run; their ratios are printed with the figures."})
    static final class RouterHop implements Callable<Integer> {
        @Option(names = "--connections", defaultValue = "32", description = "Concurrent connections (default: ${DEFAULT-VALUE}).")
        int connections;
        @Option(names = "--seconds", defaultValue = "8", description = "Length of one measured round (default: ${DEFAULT-VALUE}).")
        int seconds;
        @Option(names = "--rounds", defaultValue = "5", description = "Rounds per target (default: ${DEFAULT-VALUE}).")
        int rounds;
        @Option(names = "--warmup", defaultValue = "5", description = "Warm-up seconds per target (default: ${DEFAULT-VALUE}).")
        int warmup;
        @Option(names = "--console-tabs", defaultValue = "20", paramLabel = "N",
                description = "A fourth target: metrics on while N web consoles poll the API and follow its events (default: ${DEFAULT-VALUE}; 0 leaves it out).")
        int consoleTabs;

        /** One thing to load: where it is, and the server process whose CPU it costs (null for direct). */
        private record Target(String name, URI uri, ServerProcess server, int tabs, List<LoadGenerator.Result> runs, List<Double> cpuMicros) {
            Target(String name, URI uri, ServerProcess server) {
                this(name, uri, server, 0);
            }

            Target(String name, URI uri, ServerProcess server, int tabs) {
                this(name, uri, server, tabs, new ArrayList<>(), new ArrayList<>());
            }
        }

        /** Per round of the console target: API calls the consoles made, and how many failed. */
        private final List<long[]> consoleCalls = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            System.out.printf("router hop: trivial http function, %d cores, %d connections, %d rounds x %d s per target (after %d s warm-up)%n",
                    java.lang.Runtime.getRuntime().availableProcessors(), connections, rounds, seconds, warmup);
            try (ServerProcess metered = ServerProcess.start(1); ServerProcess unmetered = ServerProcess.start(1, "--no-metrics");
                 LoadGenerator load = new LoadGenerator()) {
                int port = deployHello(metered);
                deployHello(unmetered);
                List<Target> targets = new ArrayList<>(List.of(
                        new Target("direct", URI.create("http://127.0.0.1:" + port + "/"), null),
                        new Target("router, metrics on", URI.create(metered.info().router() + "/function/hello"), metered),
                        new Target("router, metrics off", URI.create(unmetered.info().router() + "/function/hello"), unmetered)));
                if (consoleTabs > 0) {
                    targets.add(new Target("metrics on, " + consoleTabs + " consoles", URI.create(metered.info().router() + "/function/hello"),
                            metered, consoleTabs));
                }
                for (Target t : targets) load.run(t.uri(), connections, Duration.ofSeconds(warmup));
                for (int r = 0; r < rounds; r++) {
                    // Rotate which goes first, so a drift of the machine touches every target alike.
                    List<String> line = new ArrayList<>();
                    for (int k = 0; k < targets.size(); k++) {
                        Target t = targets.get((r + k) % targets.size());
                        ConsoleTabs tabs = t.tabs() == 0 ? null : new ConsoleTabs(URI.create(t.server().info().api()), t.server().home().readToken(), t.tabs());
                        Duration cpu0 = t.server() == null ? Duration.ZERO : t.server().cpuTime();
                        LoadGenerator.Result result;
                        try {
                            result = load.run(t.uri(), connections, Duration.ofSeconds(seconds));
                        } finally {
                            if (tabs != null) tabs.close();
                        }
                        if (tabs != null) consoleCalls.add(new long[] {tabs.calls(), tabs.failures()});
                        if (t.server() != null) t.cpuMicros().add(t.server().cpuTime().minus(cpu0).toNanos() / 1000.0 / result.requests());
                        t.runs().add(result);
                        line.add(String.format("%s %,.0f req/s p50 %.2f ms", t.name(), result.requestsPerSecond(), result.p50Millis()));
                    }
                    System.out.println("  round " + (r + 1) + ": " + String.join(" | ", line));
                }
                return report(targets);
            }
        }

        private int report(List<Target> targets) {
            System.out.println();
            System.out.printf("%-20s %-40s %-32s %-32s %s%n", "target", "req/s median (min..max)", "p50 ms median (min..max)",
                    "p99 ms median (min..max)", "server CPU per request");
            long errors = 0;
            for (Target t : targets) {
                errors += t.runs().stream().mapToLong(LoadGenerator.Result::errors).sum();
                System.out.printf("%-20s %-40s %-32s %-32s %s%n", t.name(), range(rps(t), 0), range(p50(t), 2),
                        range(Stats.of(t.runs().stream().map(LoadGenerator.Result::p99Millis).toList()), 2),
                        t.cpuMicros().isEmpty() ? "" : Stats.of(t.cpuMicros()).format("us", 1));
            }
            Target direct = targets.get(0);
            Target on = targets.get(1);
            Target off = targets.get(2);
            List<Double> pairedRatios = new ArrayList<>();
            for (int r = 0; r < on.runs().size(); r++) pairedRatios.add(on.runs().get(r).requestsPerSecond() / off.runs().get(r).requestsPerSecond());
            System.out.printf("%nrouter/direct req/s (metrics on): %.2f   p50 added by the router: %+.2f ms   failed requests: %d%n",
                    rps(on).median() / rps(direct).median(), p50(on).median() - p50(direct).median(), errors);
            System.out.printf("metrics on/off req/s: %.3f of medians; per round %s   (cost of metrics: %.1f %%)%n",
                    rps(on).median() / rps(off).median(), Stats.of(pairedRatios).format("", 3),
                    100 * (1 - rps(on).median() / rps(off).median()));
            System.out.printf("p50 added by metrics: %+.3f ms   CPU per request added by metrics: %+.1f us%n",
                    p50(on).median() - p50(off).median(), Stats.of(on.cpuMicros()).median() - Stats.of(off.cpuMicros()).median());
            if (targets.size() > 3) {
                Target tabs = targets.get(3);
                List<Double> paired = new ArrayList<>();
                for (int r = 0; r < tabs.runs().size(); r++) paired.add(tabs.runs().get(r).requestsPerSecond() / on.runs().get(r).requestsPerSecond());
                long consoleCallsMade = consoleCalls.stream().mapToLong(c -> c[0]).sum();
                long consoleFailures = consoleCalls.stream().mapToLong(c -> c[1]).sum();
                System.out.printf("with %d consoles open / without req/s: %.3f of medians; per round %s   p50 %+.3f ms   console API calls %,d (%d failed)%n",
                        tabs.tabs(), rps(tabs).median() / rps(on).median(), Stats.of(paired).format("", 3),
                        p50(tabs).median() - p50(on).median(), consoleCallsMade, consoleFailures);
            }
            System.out.println("reference (DEPENDENCIES.md, same kind of machine, wrk): OpenFaaS of-watchdog 16.6k req/s, +0.67 ms p50");
            return errors == 0 ? 0 : 1;
        }

        private static Stats rps(Target t) {
            return Stats.of(t.runs().stream().map(LoadGenerator.Result::requestsPerSecond).toList());
        }

        private static Stats p50(Target t) {
            return Stats.of(t.runs().stream().map(LoadGenerator.Result::p50Millis).toList());
        }

        /** Deploys the trivial function on {@code server} and returns its instance's port. */
        private static int deployHello(ServerProcess server) throws Exception {
            TandemClient client = server.client();
            String command = "{java} -XX:+UseSerialGC -cp " + System.getProperty("java.class.path") + " " + HelloServer.class.getName();
            client.put("/v1/environments/bench-http", new Environment(Metadata.named("bench-http"),
                    new EnvironmentSpec(Runtime.HTTP, command, 0, null)));
            Path code = Files.createTempFile("bench-hello", ".txt");
            Files.writeString(code, "served by " + HelloServer.class.getName() + "\n");
            CodeRef ref = client.uploadPackage(code);
            client.put("/v1/functions/hello", new Function(Metadata.named("hello"), new FunctionSpec("bench-http", ref, null,
                    ExecutorType.NEWDEPLOY, 1, 1, null, null, null, null, null)));
            return awaitReadyInstance(client, "hello");
        }

        private static String range(Stats s, int decimals) {
            String f = "%,." + decimals + "f";
            return String.format(f + " (" + f + ".." + f + ")", s.median(), s.min(), s.max());
        }
    }

    @Command(name = "cold-start", mixinStandardHelpOptions = true,
            description = {"Cold start: the first call of a java function, specialized from the warm pool.",
                    "Measured against calls to the specialized instance, over several fresh functions."})
    static final class ColdStart implements Callable<Integer> {
        @Option(names = "--functions", defaultValue = "10", description = "Fresh functions to deploy (default: ${DEFAULT-VALUE}).")
        int functions;
        @Option(names = "--jar", defaultValue = "examples/hello/target/hello.jar", description = "The function jar (default: ${DEFAULT-VALUE}).")
        Path jar;
        @Option(names = "--entrypoint", defaultValue = "example.Hello", description = "Its handler class (default: ${DEFAULT-VALUE}).")
        String entrypoint;

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(jar)) {
                System.err.println("no such jar " + jar + ": build the examples first (./mvnw -q package -DskipTests)");
                return 3;
            }
            System.out.printf("cold start: first call of a java function from the warm pool vs calls to the specialized instance, %d functions%n", functions);
            try (ServerProcess server = ServerProcess.start(1)) {
                TandemClient client = server.client();
                CodeRef ref = client.uploadPackage(jar);
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                List<Double> first = new ArrayList<>();
                List<Double> warm = new ArrayList<>();
                for (int i = 0; i < functions; i++) {
                    awaitWarmPool(client, "java");
                    String name = "cold-" + i;
                    client.put("/v1/functions/" + name, new Function(Metadata.named(name), new FunctionSpec("java", ref, entrypoint,
                            ExecutorType.POOLMGR, null, null, null, null, null, null, null)));
                    URI uri = URI.create(server.info().router() + "/function/" + name);
                    first.add(timeGet(http, uri));
                    List<Double> calls = new ArrayList<>();
                    for (int k = 0; k < 50; k++) calls.add(timeGet(http, uri));
                    warm.add(Stats.of(calls).median());
                    System.out.printf("  %s: first call %.1f ms, then median %.2f ms%n", name, first.getLast(), warm.getLast());
                    client.delete("/v1/functions/" + name);
                }
                Stats f = Stats.of(first);
                Stats w = Stats.of(warm);
                System.out.printf("%nfirst call (specialization): %s%nspecialized instance:        %s%nfirst/specialized: %.1fx%n",
                        f.format("ms", 1), w.format("ms", 2), f.median() / w.median());
                return 0;
            }
        }

        private static double timeGet(HttpClient http, URI uri) throws Exception {
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
            double ms = (System.nanoTime() - t0) / 1e6;
            if (r.statusCode() != 200) throw new IllegalStateException(uri + " answered " + r.statusCode() + ": " + r.body());
            return ms;
        }
    }

    /** Waits for the function's first ready instance and returns its port. */
    static int awaitReadyInstance(TandemClient client, String function) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode i : client.get("/v1/status").path("instances")) {
                if (function.equals(i.path("function").asText()) && "ready".equals(i.path("state").asText())) return i.path("port").asInt();
            }
            Thread.sleep(50); // polling the API: the benchmark has no event stream to wait on
        }
        throw new IllegalStateException("no ready instance of " + function + " after 60 s: " + client.get("/v1/status"));
    }

    /** Waits until the environment has a ready, unspecialized pool instance. */
    static void awaitWarmPool(TandemClient client, String environment) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode i : client.get("/v1/status").path("instances")) {
                if (environment.equals(i.path("environment").asText()) && "pool".equals(i.path("role").asText())
                        && "ready".equals(i.path("state").asText())) return;
            }
            Thread.sleep(50); // polling the API: the benchmark has no event stream to wait on
        }
        throw new IllegalStateException("no warm " + environment + " instance after 60 s: " + client.get("/v1/status"));
    }
}
