package io.tandem.bench;

import java.util.List;

/**
 * What one trial of a failover benchmark shows, read from its samples and the moment the fault was injected
 * (both in nanoseconds from the start):
 *
 * <ul>
 *   <li>{@code sent}, {@code succeeded}, {@code failed}: requests, and how many got a 2xx answer or not;</li>
 *   <li>{@code resent}: requests that took more than one attempt (the router's {@code X-Tandem-Attempts});</li>
 *   <li>{@code firstSuccessMillis}: from the fault to the first 2xx answer to a request sent at or after it;</li>
 *   <li>{@code normalMillis}: from the fault until latency is back to normal: the end of the last request sent
 *       after the fault whose latency exceeded {@code normalFactor} times the median before the fault (or failed);</li>
 *   <li>{@code blackoutMillis}: the longest time after the fault in which no request got a 2xx answer, counted from
 *       the fault to the first one, then between consecutive ones: what clients saw of the outage;</li>
 *   <li>{@code worstMillis}: the highest latency of a request sent in the second after the fault.</li>
 * </ul>
 */
record Recovery(int sent, int succeeded, int failed, int resent, double firstSuccessMillis, double normalMillis, double baselineP50Millis,
                double blackoutMillis, double worstMillis) {

    static Recovery of(List<RateLoad.Sample> samples, long faultNanos, double normalFactor) {
        int succeeded = (int) samples.stream().filter(RateLoad.Sample::ok).count();
        int resent = (int) samples.stream().filter(s -> s.attempts() > 1).count();
        List<Double> before = samples.stream().filter(s -> s.sentNanos() < faultNanos && s.ok()).map(RateLoad.Sample::latencyMillis).toList();
        double baseline = before.isEmpty() ? Double.NaN : Stats.of(before).median();
        double firstSuccess = samples.stream().filter(s -> s.sentNanos() >= faultNanos && s.ok())
                .mapToLong(RateLoad.Sample::doneNanos).min().stream().mapToDouble(n -> (n - faultNanos) / 1e6).findFirst().orElse(Double.NaN);
        double threshold = baseline * normalFactor;
        double normal = samples.stream().filter(s -> s.doneNanos() >= faultNanos)
                .filter(s -> !s.ok() || s.latencyMillis() > threshold)
                .mapToLong(RateLoad.Sample::doneNanos).max().stream().mapToDouble(n -> (n - faultNanos) / 1e6).findFirst().orElse(0);
        long[] successes = samples.stream().filter(RateLoad.Sample::ok).mapToLong(RateLoad.Sample::doneNanos)
                .filter(n -> n >= faultNanos).sorted().toArray();
        long previous = faultNanos;
        long blackout = 0;
        for (long done : successes) {
            blackout = Math.max(blackout, done - previous);
            previous = done;
        }
        double worst = samples.stream().filter(s -> s.sentNanos() >= faultNanos && s.sentNanos() < faultNanos + 1_000_000_000L)
                .mapToDouble(RateLoad.Sample::latencyMillis).max().orElse(0);
        return new Recovery(samples.size(), succeeded, samples.size() - succeeded, resent, firstSuccess, normal, baseline,
                blackout / 1e6, worst);
    }
}
