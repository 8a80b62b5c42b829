package io.tandem.bench;

import java.util.List;

/**
 * What the clients of one run saw, request by request: how many were sent, served, failed and shed
 * ({@link Outcome}), and how long they waited: the worst wait (the highest latency of any request, answered or
 * not), and the median and 99th percentile of all of them.
 */
record Tally(int sent, int ok, int failed, int shed, double worstMillis, double p50Millis, double p99Millis) {

    static Tally of(List<RateLoad.Sample> samples) {
        int ok = 0;
        int failed = 0;
        int shed = 0;
        for (RateLoad.Sample s : samples) {
            switch (s.outcome()) {
                case OK -> ok++;
                case FAILED -> failed++;
                case SHED -> shed++;
            }
        }
        List<Double> waits = samples.stream().map(RateLoad.Sample::latencyMillis).toList();
        double worst = waits.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return new Tally(samples.size(), ok, failed, shed, worst, Stats.percentile(waits, 50), Stats.percentile(waits, 99));
    }
}
