package io.tandem.bench;

import io.tandem.client.TandemClient;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem bench router-hop}: what the router costs a trivial function, and how the java and exec runtimes do
 * behind it. Every target is loaded once per round, the order rotating from round to round so that a drift of the
 * machine touches every target alike; the figures are medians of the rounds with their spread, and the ratios are
 * taken of medians and, where two targets pair up, per round.
 */
@Command(name = "router-hop", mixinStandardHelpOptions = true,
        description = {"Router overhead: req/s and p50/p99 of a trivial function, direct and through the router,",
                "the router once with its per-request metrics on and once with them off (two servers).",
                "Beside it the java runtime (the hello jar, through the router and direct) and the exec runtime",
                "(the exec-hello script through the router, and forked per call by a plain server without Tandem,",
                "written in C when the machine has a compiler),",
                "then p50 at one connection, back to back and paced (a call every --paced-gap, as a lightly used",
                "function is called). The targets alternate in one run; their ratios are printed with the",
                "figures, and the goals they are held to."})
final class RouterHop implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--connections", defaultValue = "32", description = "Concurrent connections (default: ${DEFAULT-VALUE}).")
    int connections;
    @Option(names = "--exec-connections", defaultValue = "4", paramLabel = "N",
            description = "Concurrent connections of the exec targets, which fork a process per call (default: ${DEFAULT-VALUE}).")
    int execConnections;
    @Option(names = "--seconds", defaultValue = "8", description = "Length of one measured round (default: ${DEFAULT-VALUE}).")
    int seconds;
    @Option(names = "--rounds", defaultValue = "5", description = "Rounds per target (default: ${DEFAULT-VALUE}).")
    int rounds;
    @Option(names = "--warmup", defaultValue = "15", description = "Warm-up seconds per target, enough for the JIT to settle (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--console-tabs", defaultValue = "20", paramLabel = "N",
            description = "A further target: metrics on while N web consoles poll the API and follow its events (default: ${DEFAULT-VALUE}; 0 leaves it out).")
    int consoleTabs;
    @Option(names = "--runtimes", split = ",", defaultValue = "http,java,exec", paramLabel = "http|java|exec",
            description = "Runtimes to load, a comma list. The http targets always run: the others are measured against them (default: ${DEFAULT-VALUE}).")
    List<String> runtimes;
    @Option(names = "--jar", defaultValue = "examples/hello/target/hello.jar", description = "The java function's jar (default: ${DEFAULT-VALUE}).")
    Path jar;
    @Option(names = "--entrypoint", defaultValue = "example.Hello", description = "Its handler class (default: ${DEFAULT-VALUE}).")
    String entrypoint;
    @Option(names = "--script", defaultValue = "examples/exec/hello.sh", description = "The exec function's script (default: ${DEFAULT-VALUE}).")
    Path script;
    @Option(names = "--paced-gap", defaultValue = "20", paramLabel = "MS",
            description = "Milliseconds between one paced call's answer and the next call, 0 to leave the paced phase out (default: ${DEFAULT-VALUE}).")
    int pacedGapMillis;
    @Option(names = "--paced-calls", defaultValue = "60", paramLabel = "N", description = "Paced calls per target and round (default: ${DEFAULT-VALUE}).")
    int pacedCalls;

    /** What "to match" and "no slower" are read as: within this fraction, the noise of one run on a shared machine. */
    private static final double NOISE = 0.05;

    /**
     * One thing to load: where it is, the server process whose CPU it costs (null for none), and its figures; for the
     * java targets also the CPU of the java instances.
     */
    private record Target(String name, URI uri, ServerProcess server, int connections, int tabs, List<LoadGenerator.Result> runs,
                          List<Double> cpuMicros, List<Double> instanceCpuMicros) {
        Target(String name, URI uri, ServerProcess server, int connections) {
            this(name, uri, server, connections, 0);
        }

        Target(String name, URI uri, ServerProcess server, int connections, int tabs) {
            this(name, uri, server, connections, tabs, new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }

        boolean java() {
            return name.startsWith("java");
        }

        /** The same place, loaded anew at one connection. */
        Target alone(String label) {
            return new Target(label, uri, server, 1);
        }
    }

    /** The targets of a run: the http ones always, those of java and exec when asked for (null when not). */
    private record Targets(Target direct, Target on, Target off, Target consoles, Target javaRouter, Target javaDirect,
                           Target execRouter, Target fork) {
        List<Target> all() {
            return Stream.of(direct, on, off, consoles, javaRouter, javaDirect, execRouter, fork).filter(Objects::nonNull).toList();
        }

        /** The ones a single user meets, through the router (and the fork server, exec's yardstick), at one connection. */
        Targets alone() {
            return new Targets(null, on.alone("http, router"), null, null, single(javaRouter), null, single(execRouter), single(fork));
        }

        /** The ones measured paced, at one connection: these, and the trivial function and the java hello direct. */
        Targets paced() {
            return new Targets(direct.alone("http, direct"), on.alone("http, router"), null, null, single(javaRouter), single(javaDirect),
                    single(execRouter), single(fork));
        }

        private static Target single(Target t) {
            return t == null ? null : t.alone(t.name());
        }
    }

    /** Per round of the console target: API calls the consoles made, and how many failed. */
    private final List<long[]> consoleCalls = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        List<Runtime> chosen;
        try {
            chosen = Failover.parsed(runtimes, Failover::benchedRuntime, "runtime", "http, java or exec");
        } catch (IllegalArgumentException e) {
            err.println("tandem bench router-hop: " + e.getMessage());
            return 2;
        }
        boolean withJava = chosen.contains(Runtime.JAVA);
        boolean withExec = chosen.contains(Runtime.EXEC);
        for (Path needed : Stream.of(withJava ? jar : null, withExec ? script : null).filter(Objects::nonNull).toList()) {
            if (!Files.isRegularFile(needed)) {
                err.println("tandem bench router-hop: no such file " + needed + ": build the examples first (./mvnw -q package -DskipTests)");
                return 3;
            }
        }
        System.out.printf("router hop: trivial http function%s%s, %d cores, %d connections%s, %d rounds x %d s per target (after %d s warm-up)%n",
                withJava ? ", java hello" : "", withExec ? ", exec hello" : "", java.lang.Runtime.getRuntime().availableProcessors(), connections,
                withExec ? " (" + execConnections + " for exec, a process per call)" : "", rounds, seconds, warmup);
        try (ServerProcess metered = ServerProcess.start(1); ServerProcess unmetered = ServerProcess.start(1, "--no-metrics");
             LoadGenerator load = new LoadGenerator(); ForkServer.Running fork = withExec ? ForkServer.start(script) : null) {
            Targets targets = deploy(metered, unmetered, withJava, withExec, fork);
            for (Target t : targets.all()) load.run(t.uri(), t.connections(), Duration.ofSeconds(warmup));
            measure(load, targets.all(), Duration.ofSeconds(seconds), "round");
            Targets alone = targets.alone();
            measure(load, alone.all(), Duration.ofSeconds(aloneSeconds()), "1 connection, round");
            Targets paced = pacedGapMillis > 0 ? targets.paced() : null;
            if (paced != null) {
                Duration gap = Duration.ofMillis(pacedGapMillis);
                measure(paced.all(), "1 connection, a call every " + pacedGapMillis + " ms, round", t -> load.paced(t.uri(), pacedCalls, gap));
            }
            return report(targets, alone, paced);
        }
    }

    /** Rounds at one connection are short: a latency median settles in a few thousand calls. */
    private int aloneSeconds() {
        return Math.min(seconds, Math.max(2, seconds / 4));
    }

    private Targets deploy(ServerProcess metered, ServerProcess unmetered, boolean java, boolean exec, ForkServer.Running fork) throws Exception {
        int port = deployHello(metered);
        deployHello(unmetered);
        String router = metered.info().router();
        Target on = new Target("router, metrics on", URI.create(router + "/function/hello"), metered, connections);
        Target consoles = consoleTabs == 0 ? null
                : new Target("metrics on, " + consoleTabs + " consoles", URI.create(router + "/function/hello"), metered, connections, consoleTabs);
        Target javaRouter = null;
        Target javaDirect = null;
        if (java) {
            int javaPort = deploy(metered.client(), "java-hello", "java", jar, entrypoint);
            javaRouter = new Target("java, router", URI.create(router + "/function/java-hello"), metered, connections);
            javaDirect = new Target("java, direct", URI.create("http://127.0.0.1:" + javaPort + "/"), null, connections);
        }
        Target execRouter = null;
        Target forked = null;
        if (exec) {
            deploy(metered.client(), "exec-hello", "exec", script, null);
            execRouter = new Target("exec, router", URI.create(router + "/function/exec-hello"), metered, execConnections);
            forked = new Target("exec, fork per call (" + fork.kind() + ", no Tandem)", fork.uri(), null, execConnections);
        }
        return new Targets(new Target("direct", URI.create("http://127.0.0.1:" + port + "/"), null, connections), on,
                new Target("router, metrics off", URI.create(unmetered.info().router() + "/function/hello"), unmetered, connections),
                consoles, javaRouter, javaDirect, execRouter, forked);
    }

    /** Loads every target once per round for {@code length}, printing each round's figures on one line. */
    private void measure(LoadGenerator load, List<Target> targets, Duration length, String label) throws Exception {
        measure(targets, label, t -> load.run(t.uri(), t.connections(), length));
    }

    /** How one target is loaded once. */
    private interface Loading {
        LoadGenerator.Result load(Target target) throws Exception;
    }

    /** Loads every target once per round with {@code loading}, printing each round's figures on one line. */
    private void measure(List<Target> targets, String label, Loading loading) throws Exception {
        for (int r = 0; r < rounds; r++) {
            // Rotate which goes first, so a drift of the machine touches every target alike.
            List<String> line = new ArrayList<>();
            for (int k = 0; k < targets.size(); k++) {
                Target t = targets.get((r + k) % targets.size());
                ConsoleTabs tabs = t.tabs() == 0 ? null : new ConsoleTabs(URI.create(t.server().info().api()), t.server().home().readToken(), t.tabs());
                Duration cpu0 = t.server() == null ? Duration.ZERO : t.server().cpuTime();
                Duration instances0 = t.java() ? javaInstancesCpu() : Duration.ZERO;
                LoadGenerator.Result result;
                try {
                    result = loading.load(t);
                } finally {
                    if (tabs != null) tabs.close();
                }
                if (tabs != null) consoleCalls.add(new long[] {tabs.calls(), tabs.failures()});
                if (t.server() != null) t.cpuMicros().add(t.server().cpuTime().minus(cpu0).toNanos() / 1000.0 / result.requests());
                if (t.java()) t.instanceCpuMicros().add(javaInstancesCpu().minus(instances0).toNanos() / 1000.0 / result.requests());
                t.runs().add(result);
                line.add(String.format("%s %,.0f req/s p50 %.2f ms", t.name(), result.requestsPerSecond(), result.p50Millis()));
            }
            System.out.println("  " + label + " " + (r + 1) + ": " + String.join(" | ", line));
        }
    }

    /**
     * The CPU used so far by this benchmark's java instances (the one that serves and the pool's idle ones, which
     * only answer health checks): what a java call costs the instance, apart from the router.
     */
    private static Duration javaInstancesCpu() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().map(c -> c.contains("io.tandem.runtime.Main java")).orElse(false))
                .map(p -> p.info().totalCpuDuration().orElse(Duration.ZERO))
                .reduce(Duration.ZERO, Duration::plus);
    }

    private int report(Targets targets, Targets alone, Targets paced) {
        System.out.println();
        System.out.printf("%-32s %5s  %-40s %-32s %-32s %-36s %s%n", "target", "conns", "req/s median (min..max)", "p50 ms median (min..max)",
                "p99 ms median (min..max)", "server CPU per request", "java instance CPU per request");
        for (Target t : targets.all()) {
            System.out.printf("%-32s %5d  %-40s %-32s %-32s %-36s %s%n", t.name(), t.connections(), range(rps(t), 0), range(p50(t), 2),
                    range(Stats.of(t.runs().stream().map(LoadGenerator.Result::p99Millis).toList()), 2),
                    t.cpuMicros().isEmpty() ? "" : Stats.of(t.cpuMicros()).format("us", 1),
                    t.instanceCpuMicros().isEmpty() ? "" : Stats.of(t.instanceCpuMicros()).format("us", 1));
        }
        long errors = Stream.of(targets, alone, paced).filter(Objects::nonNull).flatMap(t -> t.all().stream())
                .flatMap(t -> t.runs().stream()).mapToLong(LoadGenerator.Result::errors).sum();
        Target direct = targets.direct();
        Target on = targets.on();
        Target off = targets.off();
        System.out.printf("%nrouter/direct req/s (metrics on): %.2f   p50 added by the router: %+.2f ms   failed requests: %d%n",
                ratio(on, direct), p50(on).median() - p50(direct).median(), errors);
        System.out.printf("metrics on/off req/s: %.3f of medians; per round %s   (cost of metrics: %.1f %%)%n",
                ratio(on, off), paired(on, off).format("", 3), 100 * (1 - ratio(on, off)));
        System.out.printf("p50 added by metrics: %+.3f ms   CPU per request added by metrics: %+.1f us%n",
                p50(on).median() - p50(off).median(), Stats.of(on.cpuMicros()).median() - Stats.of(off.cpuMicros()).median());
        if (targets.consoles() != null) {
            Target tabs = targets.consoles();
            long consoleCallsMade = consoleCalls.stream().mapToLong(c -> c[0]).sum();
            long consoleFailures = consoleCalls.stream().mapToLong(c -> c[1]).sum();
            System.out.printf("with %d consoles open / without req/s: %.3f of medians; per round %s   p50 %+.3f ms   console API calls %,d (%d failed)%n",
                    tabs.tabs(), ratio(tabs, on), paired(tabs, on).format("", 3), p50(tabs).median() - p50(on).median(), consoleCallsMade, consoleFailures);
        }
        Target java = targets.javaRouter();
        if (java != null) {
            System.out.printf("java/http through the router (metrics on): req/s %.3f of medians; per round %s   p50 %+.2f ms   java router/direct req/s %.2f%n",
                    ratio(java, on), paired(java, on).format("", 3), p50(java).median() - p50(on).median(), ratio(java, targets.javaDirect()));
        }
        Target exec = targets.execRouter();
        Target fork = targets.fork();
        if (exec != null) {
            System.out.printf("exec router/fork per call (%d connections): req/s %.3f of medians; per round %s   p50 %.2fx (%+.2f ms)%n",
                    exec.connections(), ratio(exec, fork), paired(exec, fork).format("", 3), p50(exec).median() / p50(fork).median(),
                    p50(exec).median() - p50(fork).median());
        }
        List<String> single = new ArrayList<>();
        for (Target t : alone.all()) {
            String note = t == alone.javaRouter() ? String.format(" (%+.2f ms on http's)", p50(t).median() - p50(alone.on()).median())
                    : t == alone.fork() ? String.format(" (exec router/fork %.2fx)", p50(alone.execRouter()).median() / p50(t).median()) : "";
            single.add(String.format("%s %.2f ms%s", t.name(), p50(t).median(), note));
        }
        System.out.printf("p50 at 1 connection (median of %d rounds x %d s): %s%n", rounds, aloneSeconds(), String.join(" | ", single));
        if (paced != null) {
            List<String> spaced = new ArrayList<>();
            for (Target t : paced.all()) {
                String note = t == paced.on() ? String.format(" (%+.2f ms on direct)", p50(t).median() - p50(paced.direct()).median())
                        : t == paced.javaRouter() ? String.format(" (%+.2f ms on http's)", p50(t).median() - p50(paced.on()).median())
                        : t == paced.fork() ? String.format(" (exec router/fork %.2fx)", p50(paced.execRouter()).median() / p50(t).median()) : "";
                spaced.add(String.format("%s %.2f ms%s", t.name(), p50(t).median(), note));
            }
            System.out.printf("p50 paced, a call every %d ms at 1 connection (median of %d rounds x %d calls): %s%n", pacedGapMillis, rounds,
                    pacedCalls, String.join(" | ", spaced));
        }
        goals(targets, alone);
        System.out.println("reference (measured with wrk on the same kind of 2-core machine, not in this run): OpenFaaS of-watchdog 0.9.15, 16.6k req/s, +0.67 ms p50");
        return errors == 0 ? 0 : 1;
    }

    /** The goals the figures are held to, each with its figure and whether this run met it. */
    private static void goals(Targets targets, Targets alone) {
        System.out.println();
        System.out.println("goals:");
        goal("router at half of direct or better (http, req/s router/direct)", "%.2f", ratio(targets.on(), targets.direct()),
                ratio(targets.on(), targets.direct()) >= 0.5);
        Target java = targets.javaRouter();
        if (java != null) {
            double loaded = p50(java).median() - p50(targets.on()).median();
            double single = p50(alone.javaRouter()).median() - p50(alone.on()).median();
            goal("java p50 within 0.3 ms of http's through the router, " + java.connections() + " conns", "%+.2f ms", loaded, loaded <= 0.3);
            goal("java p50 within 0.3 ms of http's through the router, 1 conn", "%+.2f ms", single, single <= 0.3);
            goal(String.format("java req/s to match http's through the router (>= %.2f)", 1 - NOISE), "%.2f", ratio(java, targets.on()),
                    ratio(java, targets.on()) >= 1 - NOISE);
        }
        Target exec = targets.execRouter();
        if (exec != null) {
            double rps = ratio(exec, targets.fork());
            double p50 = p50(exec).median() / p50(targets.fork()).median();
            goal(String.format("exec no slower than a fork per call, req/s router/fork (>= %.2f)", 1 - NOISE), "%.2f", rps, rps >= 1 - NOISE);
            goal(String.format("exec no slower than a fork per call, p50 router/fork (<= %.2f)", 1 + NOISE), "%.2fx", p50, p50 <= 1 + NOISE);
        }
    }

    private static void goal(String what, String format, double figure, boolean met) {
        System.out.printf("  %-72s %-10s %s%n", what, String.format(format, figure), met ? "met" : "MISSED");
    }

    /** Ratio of the medians of req/s. */
    private static double ratio(Target a, Target b) {
        return rps(a).median() / rps(b).median();
    }

    /** Ratios of req/s round by round: a and b ran in the same rounds, close in time. */
    private static Stats paired(Target a, Target b) {
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < a.runs().size(); r++) ratios.add(a.runs().get(r).requestsPerSecond() / b.runs().get(r).requestsPerSecond());
        return Stats.of(ratios);
    }

    private static Stats rps(Target t) {
        return stats(t, LoadGenerator.Result::requestsPerSecond);
    }

    private static Stats p50(Target t) {
        return stats(t, LoadGenerator.Result::p50Millis);
    }

    private static Stats stats(Target t, ToDoubleFunction<LoadGenerator.Result> figure) {
        return Stats.of(t.runs().stream().map(figure::applyAsDouble).toList());
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
        return Main.awaitReadyInstance(client, "hello");
    }

    /** Deploys {@code code} in a built-in environment, one instance as the trivial function has, and returns its port. */
    private static int deploy(TandemClient client, String name, String environment, Path code, String entrypoint) throws InterruptedException {
        client.put("/v1/functions/" + name, new Function(Metadata.named(name), new FunctionSpec(environment, client.uploadPackage(code), entrypoint,
                ExecutorType.NEWDEPLOY, 1, 1, null, null, null, null, null)));
        return Main.awaitReadyInstance(client, name);
    }

    private static String range(Stats s, int decimals) {
        String f = "%,." + decimals + "f";
        return String.format(f + " (" + f + ".." + f + ")", s.median(), s.min(), s.max());
    }
}
