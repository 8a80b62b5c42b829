package io.tandem.bench;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the clients of one run saw, request by request: how many were sent, served, failed and shed
 * ({@link Outcome}), and how long they waited: the worst wait (the highest latency of any request, answered or
 * not), and the median and 99th percentile of all of them. {@code failures} counts the failed ones by status (0: no
 * answer), to tell a timeout from a refusal.
 */
record Tally(int sent, int ok, int failed, int shed, double worstMillis, double p50Millis, double p99Millis, Map<Integer, Integer> failures) {
    Tally {
        failures = Map.copyOf(failures);
    }

    Tally(int sent, int ok, int failed, int shed, double worstMillis, double p50Millis, double p99Millis) {
        this(sent, ok, failed, shed, worstMillis, p50Millis, p99Millis, Map.of());
    }

    /** The failures by status, such as {@code 502: 3, no answer: 1}, in order of status; empty when none failed. */
    String failuresByStatus() {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(failures).forEach((status, n) -> out.append(out.isEmpty() ? "" : ", ")
                .append(status == 0 ? "no answer" : status.toString()).append(": ").append(n));
        return out.toString();
    }

    static Tally of(List<RateLoad.Sample> samples) {
        int ok = 0;
        int failed = 0;
        int shed = 0;
        Map<Integer, Integer> failures = new TreeMap<>();
        for (RateLoad.Sample s : samples) {
            switch (s.outcome()) {
                case OK -> ok++;
                case FAILED -> {
                    failed++;
                    failures.merge(s.status(), 1, Integer::sum);
                }
                case SHED -> shed++;
            }
        }
        List<Double> waits = samples.stream().map(RateLoad.Sample::latencyMillis).toList();
        double worst = waits.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return new Tally(samples.size(), ok, failed, shed, worst, Stats.percentile(waits, 50), Stats.percentile(waits, 99), failures);
    }
}
