package io.tandem.bench.paper;

import io.tandem.model.Durations;
import io.tandem.model.Strategy;
import io.tandem.spec.SpecException;
import io.tandem.spec.SpecFiles;
import java.io.PrintStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench paper}: the active-standby paper's experiment, strategy against strategy, and its report. */
@Command(name = "paper", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The active-standby paper's experiment (Bouizem et al., WoSC 2020, sections 5",
                "and 6) against real Tandem servers: Fibonacci and the Guestbook under retry,",
                "active-standby and replicate, with no failure, an instance failure, a node",
                "failure and a node freeze, under an open-loop load. Writes report.md and",
                "report.html (the paper's Tables 1 and 2 rebuilt beside its own figures, charts",
                "as PNG and SVG) and the raw data as CSV.",
                "",
                "Profiles: quick (default; 100 requests over 10 s per run, once: 24 runs, about",
                "8 minutes on 2 cores) and paper (3000 requests over 5 minutes, 5 repetitions:",
                "about 11 hours). Options given with a profile override it. The guestbook needs",
                "Redis (--redis). Ctrl-C stops the load, resumes frozen nodes, stops every",
                "server and writes what was measured so far.",
                "",
                "Example: tandem bench paper --profile quick --out paper-report"})
public final class PaperCommand implements Callable<Integer> {
    @Option(names = "--profile", defaultValue = "quick", description = "quick or paper (default: ${DEFAULT-VALUE}).")
    String profile;
    @Option(names = "--out", defaultValue = "paper-report", description = "Directory for the report and the data (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--force", description = "Write into --out even when it exists (its report and data files are replaced).")
    boolean force;
    @Option(names = "--requests", description = "Requests per run (quick: 100, paper: 3000).")
    Integer requests;
    @Option(names = "--duration", description = "Length of each run's load, as 10s or 5m (quick: 10s, paper: 5m).")
    String duration;
    @Option(names = "--repeat", description = "Repetitions of each app, strategy and scenario (quick: 1, paper: 5).")
    Integer repeat;
    @Option(names = "--scenarios", split = ",", description = "Any of ${COMPLETION-CANDIDATES} (default: all).", completionCandidates = ScenarioNames.class)
    List<String> scenarios;
    @Option(names = "--apps", split = ",", description = "fibonacci, guestbook (default: both).")
    List<String> apps;
    @Option(names = "--strategies", split = ",", description = "retry, active-standby, replicate, none (default: the first three).")
    List<String> strategies;
    @Option(names = "--arrivals", description = "fixed or poisson (quick: fixed, paper: poisson).")
    String arrivals;
    @Option(names = "--seed", defaultValue = "1", description = "Seed of arrivals and fault times, for a run that can be repeated (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--nodes", defaultValue = "3", description = "Nodes of each server: 3 leave a node for a new standby after a node failure (default: ${DEFAULT-VALUE}).")
    int nodes;
    @Option(names = "--freeze", defaultValue = "5s", description = "How long a frozen node stays stopped (default: ${DEFAULT-VALUE}).")
    String freeze;
    @Option(names = "--fib-n", defaultValue = "30", description = "The n of each Fibonacci call (default: ${DEFAULT-VALUE}).")
    int fibN;
    @Option(names = "--redis", description = "The guestbook's Redis (default: REDIS_URL, or redis://127.0.0.1:6379).")
    String redis;
    @Option(names = "--timeout", defaultValue = "60s", description = "How long a client waits for an answer (default: ${DEFAULT-VALUE}, the functions' timeout).")
    String timeout;
    @Option(names = "--examples", defaultValue = "examples", description = "Where the examples' specs and built jars are (default: ${DEFAULT-VALUE}).")
    Path examples;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static final class ScenarioNames extends ArrayList<String> {
        ScenarioNames() {
            super(List.of("none", "instance", "node", "freeze"));
        }
    }

    @Override
    public Integer call() throws Exception {
        Plan plan = plan();
        checkExamples(plan);
        checkOut();
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        GuestbookStore store;
        try {
            store = plan.needsRedis() ? GuestbookStore.connect(plan.redis(), id) : null;
        } catch (IllegalStateException e) {
            System.err.println("tandem bench paper: " + e.getMessage());
            return 3;
        }
        Files.createDirectories(out);
        PrintStream console = System.out;
        printPlan(console, plan);
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        CountDownLatch written = new CountDownLatch(1);
        try (Progress progress = new Progress(plan.runs(), console, System.console() != null)) {
            Experiment experiment = new Experiment(plan, examples, store, id, progress::println);
            progress.watch(experiment);
            Thread onCtrlC = onCtrlC(experiment, written);
            Runtime.getRuntime().addShutdownHook(onCtrlC);
            try {
                return runAndReport(console, plan, experiment, progress, started, t0);
            } finally {
                cleanUp(console, store);
                written.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(onCtrlC);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is running and waits for the report written above
                }
            }
        }
    }

    /** The shutdown hook that Ctrl-C starts: it stops the experiment and waits until the report is {@code written}. */
    private static Thread onCtrlC(Experiment experiment, CountDownLatch written) {
        return Thread.ofPlatform().name("bench-paper-interrupt").unstarted(() -> {
            experiment.interrupt();
            try {
                written.await(60, TimeUnit.SECONDS); // the experiment's thread writes the report, then lets the JVM exit
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private static void printPlan(PrintStream console, Plan plan) {
        console.printf(Locale.ROOT, "paper benchmark, profile %s: %d runs (%s x %s x %s x %d), each %d requests over %s (%.1f/s, %s arrivals), %d-node servers%n",
                plan.profile(), plan.runs(), names(plan.apps(), App::wireName), names(plan.strategies(), Strategy::wireName),
                names(plan.scenarios(), Scenario::wireName), plan.repeat(), plan.requests(), Report.human(plan.duration()), plan.rate(),
                plan.arrivals().wireName(), plan.nodes());
        Duration estimate = plan.estimate();
        console.printf("this takes about %s%s; Ctrl-C stops it and writes what was measured so far%n", Report.human(estimate),
                estimate.toHours() >= 1 ? " (hours: leave it running)" : "");
    }

    /** Runs the experiment (to its end, or to Ctrl-C), writes the report and returns the exit code. */
    private int runAndReport(PrintStream console, Plan plan, Experiment experiment, Progress progress, Instant started, long t0)
            throws Exception {
        List<RunResult> results;
        try {
            results = experiment.run();
        } catch (Exception e) {
            if (!experiment.interrupted()) throw e;
            results = experiment.results();
        }
        progress.close();
        Thread.interrupted(); // Ctrl-C interrupted this thread; the report is still to be written
        String status = experiment.interrupted()
                ? "**Interrupted** (Ctrl-C) after " + results.size() + " of " + plan.runs() + " runs: the tables hold the runs that finished."
                : "Complete: " + results.size() + " of " + plan.runs() + " runs measured.";
        Path report = new Report(plan, results, experiment.notCounted(), status)
                .write(out, commandLine(), started, Duration.ofNanos(System.nanoTime() - t0));
        console.printf("%nreport: %s (and report.html beside it), %d runs in %s%n", report, results.size(),
                Report.human(Duration.ofNanos(System.nanoTime() - t0)));
        printSummary(console, report);
        if (experiment.interrupted()) return 130;
        return results.isEmpty() ? 1 : 0;
    }

    /** Deletes the benchmark's Redis keys and disconnects (null: the plan had no guestbook). */
    private static void cleanUp(PrintStream console, GuestbookStore store) {
        if (store == null) return;
        try {
            store.clean();
        } catch (RuntimeException e) {
            console.println("could not delete the benchmark's Redis keys: " + e.getMessage());
        }
        store.close();
    }

    /** The plan: the profile's sizes, with the options given over them. */
    Plan plan() {
        boolean paper = switch (profile) {
            case Plan.PAPER -> true;
            case Plan.QUICK -> false;
            default -> throw bad("unknown profile '" + profile + "': use quick or paper");
        };
        int n = requests != null ? requests : paper ? 3000 : 100;
        Duration d = parse("--duration", duration != null ? duration : paper ? "5m" : "10s");
        int r = repeat != null ? repeat : paper ? 5 : 1;
        if (n < 1) throw bad("--requests must be at least 1, was " + n);
        if (d.toMillis() < 2000) throw bad("--duration must be at least 2s (the fault comes at 10 % of it), was " + duration);
        if (r < 1) throw bad("--repeat must be at least 1, was " + r);
        if (nodes < 2) throw bad("--nodes must be at least 2 (active-standby and replicate place instances on different nodes), was " + nodes);
        if (fibN < 0 || fibN > 40) throw bad("--fib-n must be from 0 to 40, was " + fibN);
        List<Scenario> sc = parseAll("--scenarios", scenarios, List.of(Scenario.values()), Scenario::fromWire);
        List<App> ap = parseAll("--apps", apps, List.of(App.values()), App::fromWire);
        List<Strategy> st = parseAll("--strategies", strategies, List.of(Strategy.RETRY, Strategy.ACTIVE_STANDBY, Strategy.REPLICATE), s -> Strategy.fromWire(null, s.trim()));
        Arrivals ar;
        try {
            ar = Arrivals.fromWire(arrivals != null ? arrivals : paper ? "poisson" : "fixed");
        } catch (IllegalArgumentException e) {
            throw bad("--arrivals: " + e.getMessage());
        }
        Duration fr = parse("--freeze", freeze);
        if (fr.isZero() || fr.isNegative()) throw bad("--freeze must be positive, was " + freeze);
        Duration to = parse("--timeout", timeout);
        if (to.toMillis() < 100) throw bad("--timeout must be at least 100ms, was " + timeout);
        URI redisUrl;
        try {
            String u = redis != null ? redis : System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379");
            redisUrl = URI.create(u);
            if (!"redis".equals(redisUrl.getScheme()) && !"rediss".equals(redisUrl.getScheme()) || redisUrl.getHost() == null) {
                throw new IllegalArgumentException("want redis://host:port");
            }
        } catch (IllegalArgumentException e) {
            throw bad("--redis '" + redis + "' is not a Redis URL: write it as redis://127.0.0.1:6379");
        }
        return new Plan(profile, n, d, r, sc, ap, st, ar, seed, nodes, fr, fibN, redisUrl, to);
    }

    private void checkExamples(Plan plan) {
        for (App app : plan.apps()) {
            Path specFile = app.specFile(examples);
            if (!Files.isRegularFile(specFile)) {
                throw bad("no spec " + specFile + ": run from Tandem's directory, or pass --examples DIR");
            }
            try {
                SpecFiles.load(specFile); // refuses a spec whose code is missing, saying how to build it
            } catch (SpecException e) {
                throw bad(e.getMessage());
            }
        }
    }

    private void checkOut() {
        if (Files.exists(out) && !force) {
            throw bad("--out " + out + " exists: pass --force to write into it, or choose another directory");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) throw bad("--out " + out + " is a file, not a directory");
    }

    private static void printSummary(PrintStream console, Path report) throws IOException {
        // The tables of the report, as they are in it: the figures the run produced.
        boolean in = false;
        for (String line : Files.readAllLines(report)) {
            if (line.startsWith("## ")) in = line.startsWith("## In short") || line.startsWith("## Table");
            if (in) console.println(line);
        }
    }

    private String commandLine() {
        return "tandem bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }

    private static <T> String names(List<T> values, Function<T, String> name) {
        return String.join(",", values.stream().map(name).toList());
    }

    private <T> List<T> parseAll(String option, List<String> given, List<T> defaults, Function<String, T> parse) {
        if (given == null || given.isEmpty()) return defaults;
        LinkedHashSet<T> out = new LinkedHashSet<>();
        for (String g : given) {
            try {
                out.add(parse.apply(g));
            } catch (RuntimeException e) {
                throw bad(option + ": " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    private Duration parse(String option, String text) {
        try {
            return Durations.parse(option, text);
        } catch (RuntimeException e) {
            throw bad(e.getMessage());
        }
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
