package io.tandem.bench.paper;

import io.tandem.bench.paper.OpenLoop.Call;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run second by second, as the paper's figures 5 to 10 show it: throughput (2xx answers that second), mean and
 * p99 response time of the calls <em>sent</em> that second (so a stall shows where it began, as queued latency), and
 * answers by status that second. Seconds count from {@code origin} (the fault, or the start when there is none), so
 * the repetitions of a scenario line up on their fault and can be averaged.
 */
record PerSecond(int second, double sent, double succeeded, double meanMillis, double p99Millis, Map<String, Double> byStatus) {

    static List<PerSecond> of(RunResult run) {
        long origin = run.hasFault() ? run.faultNanos() : 0;
        int first = second(0, origin);
        int last = second(run.durationNanos() - 1, origin);
        List<PerSecond> out = new ArrayList<>();
        for (int s = first; s <= last; s++) {
            int sec = s;
            List<Call> sentThen = run.calls().stream().filter(c -> second(c.sentNanos(), origin) == sec).toList();
            List<Call> doneThen = run.calls().stream().filter(c -> second(c.doneNanos(), origin) == sec).toList();
            double[] latencies = sentThen.stream().filter(c -> c.status() > 0).mapToDouble(Call::latencyMillis).sorted().toArray();
            Map<String, Double> byStatus = new TreeMap<>();
            doneThen.forEach(c -> byStatus.merge(Measures.statusName(c.status()), 1.0, Double::sum));
            out.add(new PerSecond(sec, sentThen.size(), (int) doneThen.stream().filter(Call::ok).count(),
                    Measures.mean(latencies), Measures.percentile(latencies, 99), byStatus));
        }
        return out;
    }

    /**
     * The mean of several runs' seconds, second by second (a second that only some runs have is the mean of
     * those).
     */
    static List<PerSecond> mean(List<List<PerSecond>> runs) {
        Map<Integer, List<PerSecond>> bySecond = new TreeMap<>();
        runs.forEach(r -> r.forEach(p -> bySecond.computeIfAbsent(p.second(), k -> new ArrayList<>()).add(p)));
        List<PerSecond> out = new ArrayList<>();
        bySecond.forEach((sec, ps) -> {
            Map<String, Double> status = new TreeMap<>();
            ps.forEach(p -> p.byStatus().forEach((k, v) -> status.merge(k, v, Double::sum)));
            status.replaceAll((k, v) -> v / ps.size());
            out.add(new PerSecond(sec, ps.stream().mapToDouble(PerSecond::sent).average().orElse(0),
                    ps.stream().mapToDouble(PerSecond::succeeded).average().orElse(0),
                    ps.stream().mapToDouble(PerSecond::meanMillis).filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN),
                    ps.stream().mapToDouble(PerSecond::p99Millis).filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN), status));
        });
        return out;
    }

    private static int second(long nanos, long origin) {
        return (int) Math.floorDiv(nanos - origin, 1_000_000_000L);
    }
}
