package io.tandem.bench.paper;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The raw data of an experiment as CSV, for anyone to plot again: {@code requests.csv} (every call),
 * {@code seconds.csv} (every run second by second), {@code runs.csv} (every measure of every run) and
 * {@code resources.csv} (the resource samples).
 */
final class ReportCsv {
    private final List<RunResult> runs;
    private final Map<RunResult, Measures> measures;

    ReportCsv(List<RunResult> runs, Map<RunResult, Measures> measures) {
        this.runs = runs;
        this.measures = measures;
    }

    /** Writes the four files into {@code dir}, replacing them. */
    void write(Path dir) throws IOException {
        try (PrintWriter requests = csv(dir.resolve("requests.csv"), "app,strategy,scenario,repetition,index,id,op,sent_ms,latency_ms,status,attempts,instance,error");
             PrintWriter seconds = csv(dir.resolve("seconds.csv"), "app,strategy,scenario,repetition,second,sent,ok,mean_ms,p99_ms,by_status");
             PrintWriter runsCsv = csv(dir.resolve("runs.csv"), "app,strategy,scenario,repetition,fault_ms,fault,sent,ok,failed,resent,mean_ms,p50_ms,p99_ms,"
                     + "throughput,baseline_p50_ms,recovery_ms,settled_ms,first_success_ms,blackout_ms,affected,platform_cpu_s,instance_cpu_s,platform_rss_mib,"
                     + "instance_rss_mib,store_acknowledged,store_lost,store_twice,store_unacknowledged");
             PrintWriter resources = csv(dir.resolve("resources.csv"), "app,strategy,scenario,repetition,t_ms,class,cores,rss_mib")) {
            for (RunResult r : runs) {
                String run = String.join(",", r.app().wireName(), r.strategy(), r.scenario().wireName(), Integer.toString(r.repetition()));
                requests(requests, run, r);
                seconds(seconds, run, r);
                run(runsCsv, run, r, measures.get(r));
                resources(resources, run, r);
            }
        }
    }

    private static void requests(PrintWriter out, String run, RunResult r) {
        for (OpenLoop.Call c : r.calls()) {
            out.printf(Locale.ROOT, "%s,%d,%s,%s,%.3f,%.3f,%d,%d,%s,%s%n", run, c.index(), c.id(), c.op(), c.sentNanos() / 1e6,
                    c.latencyMillis(), c.status(), c.attempts(), c.instance() == null ? "" : c.instance(), quote(c.error()));
        }
    }

    private static void seconds(PrintWriter out, String run, RunResult r) {
        for (PerSecond p : PerSecond.of(r)) {
            out.printf(Locale.ROOT, "%s,%d,%.0f,%.0f,%s,%s,%s%n", run, p.second(), p.sent(), p.succeeded(), num(p.meanMillis()),
                    num(p.p99Millis()), quote(p.byStatus().entrySet().stream().map(e -> e.getKey() + "=" + Math.round(e.getValue())).reduce((a, b) -> a + " " + b).orElse("")));
        }
    }

    private static void run(PrintWriter out, String run, RunResult r, Measures m) {
        RunResult.StoreCheck sc = m.store();
        out.printf(Locale.ROOT, "%s,%s,%s,%d,%d,%d,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d,%.3f,%.3f,%.1f,%.1f,%s,%s,%s,%s%n", run,
                r.hasFault() ? String.format(Locale.ROOT, "%.1f", r.faultNanos() / 1e6) : "", quote(r.faultDetail()),
                m.sent(), m.succeeded(), m.failed(), m.resent(), num(m.meanMillis()), num(m.p50Millis()), num(m.p99Millis()), num(m.throughput()),
                num(m.baselineP50Millis()), num(m.recoveryMillis()), num(m.settledMillis()), num(m.firstSuccessMillis()), num(m.blackoutMillis()), m.affected(),
                m.platformCoreSeconds(), m.instanceCoreSeconds(), m.platformRssMib(), m.instanceRssMib(),
                sc == null ? "" : sc.acknowledged(), sc == null ? "" : sc.lost(), sc == null ? "" : sc.duplicated(), sc == null ? "" : sc.unacknowledged());
    }

    private static void resources(PrintWriter out, String run, RunResult r) {
        for (ResourceSampler.Tick t : r.ticks()) {
            for (String cls : ResourceSampler.classes(List.of(t))) {
                out.printf(Locale.ROOT, "%s,%.0f,%s,%s,%s%n", run, t.atNanos() / 1e6, cls, num(t.cores().getOrDefault(cls, Double.NaN)),
                        num(t.rssMib().getOrDefault(cls, Double.NaN)));
            }
        }
    }

    private static PrintWriter csv(Path file, String header) throws IOException {
        Writer w = Files.newBufferedWriter(file);
        PrintWriter out = new PrintWriter(w);
        out.println(header);
        return out;
    }

    private static String quote(String s) {
        if (s == null || s.isEmpty()) return "";
        return "\"" + s.replace("\"", "\"\"").replace('\n', ' ') + "\"";
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
    }
}
