package io.tandem.bench.paper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Writes what an experiment measured into a directory: {@code report.md} and {@code report.html} (the paper's Table 1
 * and Table 2 rebuilt for every strategy with the paper's own figures beside Tandem's, the clients' view of each
 * fault, performance without failures, resource overhead), the figures as PNG and SVG, and the raw data as CSV so
 * anyone can plot it again. Every figure in the tables is computed from the runs given; nothing is typed in but the
 * paper's numbers, which are labelled as such.
 */
final class Report {
    /** The paper's Table 1 (pod failures) and Table 2 (node failures), in seconds: Fission vanilla, Fission AS. */
    static final Map<App, double[]> PAPER_INSTANCE = Map.of(App.FIBONACCI, new double[]{2.840, 1.814}, App.GUESTBOOK, new double[]{3.614, 1.528});
    static final Map<App, double[]> PAPER_NODE = Map.of(App.FIBONACCI, new double[]{187, 6.384}, App.GUESTBOOK, new double[]{159, 6.194});
    static final String SOURCE = "Bouizem et al., \"Active-Standby for High-Availability in FaaS\", WoSC 2020";

    private final Plan plan;
    private final List<RunResult> runs;
    private final List<String> notCounted;
    private final String status;
    private final Map<RunResult, Measures> measures = new LinkedHashMap<>();

    /** {@code status}: how the experiment ended (complete, or interrupted and where). */
    Report(Plan plan, List<RunResult> runs, List<String> notCounted, String status) {
        this.plan = plan;
        this.runs = List.copyOf(runs);
        this.notCounted = List.copyOf(notCounted);
        this.status = status;
        this.runs.forEach(r -> measures.put(r, Measures.of(r)));
    }

    /** Writes everything into {@code dir} (which exists) and returns the report's path. */
    Path write(Path dir, String commandLine, Instant started, Duration elapsed) throws IOException {
        Doc doc = new Doc();
        introduction(doc, commandLine, started, elapsed);
        verdicts(doc);
        recoveryTable(doc, Scenario.INSTANCE, "Table 1. Recovery time in instance (pod) failures", PAPER_INSTANCE);
        recoveryTable(doc, Scenario.NODE, "Table 2. Recovery time in node failures", PAPER_NODE);
        recoveryTable(doc, Scenario.FREEZE, "Table 3. Recovery time in node freezes (not in the paper)", Map.of());
        doc.paragraph("Recovery time, as the paper defines it (from the first reaction to the failure until the service is available "
                + "again), read from what the clients saw: a call is affected when it answered after the fault and failed or took more "
                + "than three times the median latency before the fault (and at least 20 ms more); recovery runs from the fault (or the "
                + "first affected call, if later) to the answer of the first call sent after that which succeeded without such a delay. "
                + "0 means no client noticed. Calls already caught by the fault may take longer: see \"until every affected call was "
                + "answered\" below. Figures are mean ± standard deviation over the repetitions, with min..max.");
        clientsTable(doc);
        performanceTable(doc);
        resourceTable(doc);
        figures(doc, dir);
        rawData(doc);
        new ReportCsv(runs, measures).write(dir);
        Files.writeString(dir.resolve("report.md"), doc.markdown());
        Files.writeString(dir.resolve("report.html"), doc.html("Tandem against the active-standby paper"));
        return dir.resolve("report.md");
    }

    /** The title, how the experiment ended, and what was run where. */
    private void introduction(Doc doc, String commandLine, Instant started, Duration elapsed) {
        doc.heading(1, "Tandem against the active-standby paper");
        doc.paragraph("The experiment of " + SOURCE + " (sections 5 and 6), run on this machine against real Tandem servers, "
                + "with request replication beside the paper's two strategies. " + status);
        doc.bullets(List.of(
                "started " + started + ", took " + human(elapsed) + "; `" + commandLine + "`",
                String.format(Locale.ROOT, "profile `%s`: %d requests over %s per run (%.1f a second, %s arrivals, seed %d), %d repetition(s), "
                                + "%d-node servers, fibonacci n=%d, request timeout %s", plan.profile(), plan.requests(), human(plan.duration()), plan.rate(),
                        plan.arrivals().wireName(), plan.seed(), plan.repeat(), plan.nodes(), plan.fibN(), human(plan.timeout())),
                "machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                        + ", Java " + Runtime.version() + "; the paper: Fission 1.10 on a 5-node Kubernetes cluster, Tsung, 3000 requests in 5 minutes",
                "scenarios: " + String.join("; ", plan.scenarios().stream().map(s -> "**" + s.wireName() + "**: " + s.description()).toList()),
                runs.size() + " run(s) measured" + (notCounted.isEmpty() ? "" : ", " + notCounted.size() + " not counted (listed at the end)")));
    }

    /** What the CSV files hold, and the runs that were not counted. */
    private void rawData(Doc doc) {
        doc.heading(2, "Raw data");
        doc.bullets(List.of("`requests.csv`: every call: run, id, operation, send time and latency (ms from the run's start), status (0: no answer), attempts, instance that answered, error",
                "`seconds.csv`: every run second by second (seconds from the fault, or the start): sent, 2xx answers, mean and p99 latency, answers by status",
                "`runs.csv`: one line per run with every measure of the tables",
                "`resources.csv`: CPU (cores) and resident memory (MiB) sampled every 500 ms, by process class (platform, active, standby, replica, pool)"));
        if (!notCounted.isEmpty()) {
            doc.heading(2, "Runs not counted");
            doc.bullets(notCounted);
        }
    }

    /** One line per app and fault: active-standby and replicate against retry, from the measures. */
    private void verdicts(Doc doc) {
        List<String> lines = new ArrayList<>();
        for (App app : plan.apps()) {
            for (Scenario s : plan.scenarios()) {
                if (!s.hasFault()) continue;
                Summary retry = summary(app, "retry", s, Measures::recoveryMillis);
                for (String strategy : List.of("active-standby", "replicate")) {
                    Summary mine = summary(app, strategy, s, Measures::recoveryMillis);
                    if (mine.n() == 0 || retry.n() == 0) continue;
                    int failed = sum(app, strategy, s, Measures::failed);
                    int sent = sum(app, strategy, s, Measures::sent);
                    int retryFailed = sum(app, "retry", s, Measures::failed);
                    lines.add(String.format(Locale.ROOT, "%s, %s: %s recovered in %s against retry's %s (%s), %d of %d requests failed (retry: %d)",
                            app.wireName(), s.wireName(), strategy, millis(mine.mean()), millis(retry.mean()),
                            retry.mean() > 0 ? String.format(Locale.ROOT, "x%.2f", mine.mean() / retry.mean()) : "retry saw no outage",
                            failed, sent, retryFailed));
                }
            }
        }
        for (App app : plan.apps()) {
            Summary retryCpu = summary(app, "retry", Scenario.NONE, Measures::totalCoreSeconds);
            Summary retryMem = summary(app, "retry", Scenario.NONE, Measures::totalRssMib);
            if (retryCpu.n() == 0) continue;
            for (String strategy : List.of("active-standby", "replicate")) {
                Summary cpu = summary(app, strategy, Scenario.NONE, Measures::totalCoreSeconds);
                Summary mem = summary(app, strategy, Scenario.NONE, Measures::totalRssMib);
                if (cpu.n() == 0) continue;
                lines.add(String.format(Locale.ROOT, "%s without failures: %s costs %s CPU and %s memory over retry, all processes counted "
                                + "(%.2f against %.2f core-seconds, %.0f against %.0f MiB; the paper: +15 %% CPU, +12 %% memory for active-standby)",
                        app.wireName(), strategy, percent(cpu.mean(), retryCpu.mean()), percent(mem.mean(), retryMem.mean()),
                        cpu.mean(), retryCpu.mean(), mem.mean(), retryMem.mean()));
            }
        }
        if (lines.isEmpty()) return;
        doc.heading(2, "In short");
        doc.bullets(lines);
    }

    private void recoveryTable(Doc doc, Scenario scenario, String title, Map<App, double[]> paper) {
        if (!plan.scenarios().contains(scenario)) return;
        doc.heading(2, title);
        List<String> header = new ArrayList<>(List.of("application"));
        if (!paper.isEmpty()) header.addAll(List.of("paper: Fission vanilla (retry)", "paper: Fission AS"));
        plan.strategies().forEach(s -> header.add("Tandem " + s.wireName()));
        if (!paper.isEmpty() && plan.strategies().stream().anyMatch(s -> s.wireName().equals("active-standby"))) header.add("Tandem AS against paper AS");
        List<List<String>> rows = new ArrayList<>();
        for (App app : plan.apps()) {
            List<String> row = new ArrayList<>(List.of(app.wireName()));
            double[] p = paper.get(app);
            if (!paper.isEmpty()) {
                row.add(p == null ? "" : seconds(p[0]));
                row.add(p == null ? "" : seconds(p[1]));
            }
            plan.strategies().forEach(s -> row.add(summary(app, s.wireName(), scenario, Measures::recoveryMillis).format()));
            if (header.getLast().startsWith("Tandem AS against")) {
                Summary as = summary(app, "active-standby", scenario, Measures::recoveryMillis);
                row.add(p == null || as.n() == 0 ? "" : as.mean() <= 0 ? "no outage seen"
                        : String.format(Locale.ROOT, "%.0fx faster", p[1] * 1000 / as.mean()));
            }
            rows.add(row);
        }
        doc.table(header, rows);
    }

    /** What clients saw of each fault: failures, re-sends, the three recovery measures, the store. */
    private void clientsTable(Doc doc) {
        List<List<String>> rows = new ArrayList<>();
        for (App app : plan.apps()) {
            for (Scenario s : plan.scenarios()) {
                if (!s.hasFault()) continue;
                for (var strategy : plan.strategies()) {
                    String st = strategy.wireName();
                    List<Measures> ms = measuresOf(app, st, s);
                    if (ms.isEmpty()) continue;
                    rows.add(List.of(app.wireName(), s.wireName(), st, ms.size() + "",
                            sum(app, st, s, Measures::failed) + " of " + sum(app, st, s, Measures::sent),
                            Integer.toString(sum(app, st, s, Measures::resent)),
                            summary(app, st, s, Measures::firstSuccessMillis).format(),
                            summary(app, st, s, Measures::settledMillis).format(),
                            summary(app, st, s, Measures::blackoutMillis).format(),
                            summary(app, st, s, Measures::p99Millis).format(),
                            storeCell(ms)));
                }
            }
        }
        if (rows.isEmpty()) return;
        doc.heading(2, "What the clients saw of each fault");
        doc.table(List.of("app", "fault", "strategy", "runs", "failed requests", "re-sent", "fault to first success",
                "until every affected call was answered", "longest time without a success", "p99 latency of the run", "guestbook store: lost / stored twice / ran without an answer"), rows);
        doc.paragraph("Re-sent: requests the router sent more than once (`X-Tandem-Attempts`). Duplicated executions show in the guestbook's "
                + "store: an ADD is stored once per request id, so \"stored twice\" stays 0 unless that protection fails; \"lost\" counts "
                + "acknowledged messages missing from the store. \"Fault to first success\" cannot be finer than the load's spacing.");
    }

    private static String storeCell(List<Measures> ms) {
        if (ms.stream().allMatch(m -> m.store() == null)) return "";
        int lost = ms.stream().filter(m -> m.store() != null).mapToInt(m -> m.store().lost()).sum();
        int twice = ms.stream().filter(m -> m.store() != null).mapToInt(m -> m.store().duplicated()).sum();
        int unacked = ms.stream().filter(m -> m.store() != null).mapToInt(m -> m.store().unacknowledged()).sum();
        int acked = ms.stream().filter(m -> m.store() != null).mapToInt(m -> m.store().acknowledged()).sum();
        return lost + " / " + twice + " / " + unacked + " (of " + acked + " acknowledged)";
    }

    /** The paper's figures 5 and 6: throughput and response time without failures. */
    private void performanceTable(Doc doc) {
        if (!plan.scenarios().contains(Scenario.NONE)) return;
        doc.heading(2, "Without failures (the paper's figures 5 and 6)");
        List<List<String>> rows = new ArrayList<>();
        for (App app : plan.apps()) {
            Summary retryMean = summary(app, "retry", Scenario.NONE, Measures::meanMillis);
            for (var strategy : plan.strategies()) {
                String st = strategy.wireName();
                Summary mean = summary(app, st, Scenario.NONE, Measures::meanMillis);
                if (mean.n() == 0) continue;
                rows.add(List.of(app.wireName(), st, summary(app, st, Scenario.NONE, Measures::throughput).format(1, ""),
                        mean.format(), summary(app, st, Scenario.NONE, Measures::p50Millis).format(),
                        summary(app, st, Scenario.NONE, Measures::p99Millis).format(),
                        st.equals("retry") || retryMean.n() == 0 ? "" : String.format(Locale.ROOT, "%+.1f ms", mean.mean() - retryMean.mean())));
            }
        }
        doc.table(List.of("app", "strategy", "throughput (2xx/s)", "mean response", "p50", "p99", "mean against retry"), rows);
        doc.paragraph("The paper: both versions served about 11 requests a second; active-standby answered about 2 ms (Fibonacci) and 16 ms "
                + "(Guestbook) faster than vanilla Fission, which routes every call through its router.");
    }

    /** The paper's figure 11: CPU and memory of all processes, and the overhead of each strategy over retry. */
    private void resourceTable(Doc doc) {
        doc.heading(2, "Resource consumption (the paper's figure 11)");
        List<List<String>> rows = new ArrayList<>();
        for (App app : plan.apps()) {
            for (Scenario s : plan.scenarios()) {
                Summary retryCpu = summary(app, "retry", s, Measures::totalCoreSeconds);
                Summary retryMem = summary(app, "retry", s, Measures::totalRssMib);
                for (var strategy : plan.strategies()) {
                    String st = strategy.wireName();
                    List<Measures> ms = measuresOf(app, st, s);
                    if (ms.isEmpty()) continue;
                    Summary cpu = summary(app, st, s, Measures::totalCoreSeconds);
                    Summary mem = summary(app, st, s, Measures::totalRssMib);
                    rows.add(List.of(app.wireName(), s.wireName(), st,
                            summary(app, st, s, Measures::platformCoreSeconds).format(2, " s"),
                            summary(app, st, s, Measures::instanceCoreSeconds).format(2, " s"),
                            summary(app, st, s, Measures::platformRssMib).format(0, " MiB"),
                            summary(app, st, s, Measures::instanceRssMib).format(0, " MiB"),
                            roleMemory(ms),
                            st.equals("retry") || retryCpu.n() == 0 ? "" : percent(cpu.mean(), retryCpu.mean()),
                            st.equals("retry") || retryMem.n() == 0 ? "" : percent(mem.mean(), retryMem.mean())));
                }
            }
        }
        doc.table(List.of("app", "scenario", "strategy", "CPU, platform (core-s)", "CPU, instances (core-s)", "memory, platform",
                "memory, instances", "instance memory by role", "CPU against retry", "memory against retry"), rows);
        doc.paragraph("CPU is the core-seconds used during the load by every process of the cluster (the server with its router and executor, "
                + "the controller, the agents: \"platform\"; the function and pool instances: \"instances\"); memory is their resident set, "
                + "averaged over the samples. The paper measured its cluster's nodes and reported, without failures, up to +15 % CPU and "
                + "+12 % memory for active-standby over vanilla Fission.");
    }

    private static String roleMemory(List<Measures> ms) {
        Map<String, Double> sum = new LinkedHashMap<>();
        ms.forEach(m -> m.rssMibByRole().forEach((role, mib) -> sum.merge(role, mib, Double::sum)));
        List<String> parts = new ArrayList<>();
        sum.forEach((role, mib) -> parts.add(String.format(Locale.ROOT, "%s %.0f MiB", role, mib / ms.size())));
        return String.join(", ", parts);
    }

    private void figures(Doc doc, Path dir) throws IOException {
        doc.heading(2, "Figures");
        doc.paragraph("Second by second, averaged over the repetitions and aligned on the fault (the dashed line at 0): throughput "
                + "(2xx answers a second), mean and p99 response time of the calls sent that second, and the answers by status for each "
                + "strategy, as the paper's figures 5 to 10 show them.");
        for (App app : plan.apps()) {
            for (Scenario s : plan.scenarios()) {
                Map<String, List<PerSecond>> byStrategy = new LinkedHashMap<>();
                for (var strategy : plan.strategies()) {
                    List<List<PerSecond>> reps = runsOf(app, strategy.wireName(), s).stream().map(PerSecond::of).toList();
                    if (!reps.isEmpty()) byStrategy.put(strategy.wireName(), PerSecond.mean(reps));
                }
                if (byStrategy.isEmpty()) continue;
                String name = app.wireName() + "-" + s.wireName();
                Charts.timeline(dir, name, app.wireName() + ", " + s.wireName(), byStrategy, s.hasFault());
                doc.figure(name, app.wireName() + " with " + (s.hasFault() ? s.description() : "no failure"));
            }
            List<String> scenarios = plan.scenarios().stream().map(Scenario::wireName).toList();
            Map<String, double[]> cpu = new LinkedHashMap<>();
            Map<String, double[]> mem = new LinkedHashMap<>();
            for (var strategy : plan.strategies()) {
                cpu.put(strategy.wireName(), plan.scenarios().stream().mapToDouble(s -> summary(app, strategy.wireName(), s, Measures::totalCoreSeconds).mean()).toArray());
                mem.put(strategy.wireName(), plan.scenarios().stream().mapToDouble(s -> summary(app, strategy.wireName(), s, Measures::totalRssMib).mean()).toArray());
            }
            String name = app.wireName() + "-resources";
            Charts.resources(dir, name, app.wireName(), scenarios, cpu, mem);
            doc.figure(name, app.wireName() + ": CPU and memory of all processes, by strategy and scenario");
        }
    }

    private List<RunResult> runsOf(App app, String strategy, Scenario scenario) {
        return runs.stream().filter(r -> r.app() == app && r.strategy().equals(strategy) && r.scenario() == scenario).toList();
    }

    private List<Measures> measuresOf(App app, String strategy, Scenario scenario) {
        return runsOf(app, strategy, scenario).stream().map(measures::get).toList();
    }

    private Summary summary(App app, String strategy, Scenario scenario, ToDoubleFunction<Measures> value) {
        return Summary.of(measuresOf(app, strategy, scenario).stream().mapToDouble(value).toArray());
    }

    private int sum(App app, String strategy, Scenario scenario, java.util.function.ToIntFunction<Measures> value) {
        return measuresOf(app, strategy, scenario).stream().mapToInt(value).sum();
    }

    private static String percent(double mine, double base) {
        if (Double.isNaN(mine) || Double.isNaN(base) || base == 0) return "";
        return String.format(Locale.ROOT, "%+.0f %%", (mine / base - 1) * 100);
    }

    static String millis(double ms) {
        if (Double.isNaN(ms)) return "never";
        if (ms >= 1000) return String.format(Locale.ROOT, "%.2f s", ms / 1000);
        return String.format(Locale.ROOT, "%.0f ms", ms);
    }

    static String seconds(double s) {
        if (s >= 60) return String.format(Locale.ROOT, "%d min %d s (%.0f s)", (long) s / 60, (long) s % 60, s);
        return String.format(Locale.ROOT, "%.3f s", s);
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s >= 3600) return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s % 3600 / 60);
        if (s >= 60) return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        if (d.toMillis() % 1000 != 0) return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
        return s + " s";
    }
}
