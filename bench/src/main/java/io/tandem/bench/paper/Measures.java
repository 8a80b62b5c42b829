package io.tandem.bench.paper;

import io.tandem.bench.paper.OpenLoop.Call;
import io.tandem.bench.paper.ResourceSampler.Tick;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of one run, read from its calls and samples.
 *
 * <p>Recovery, four ways, read from the calls to the struck function (the guestbook's ADDs; NaN when the run had no
 * fault, or never recovered). A call is <em>affected</em> when it
 * answered after the fault and failed, or took more than {@link #slowMillis} (three times the median before the
 * fault, and at least 20 ms more); a call that succeeded within that is <em>prompt</em>.
 * <ul>
 *   <li>{@code recoveryMillis}, the paper's recovery time, "from the first reaction to the failure until the service
 *       is available again", read from what clients saw: from the fault (or the first affected call's send, if
 *       later) to the answer of the first prompt call sent after that. No affected call: 0 (clients saw
 *       nothing).</li>
 *   <li>{@code settledMillis}: from the same start until the last affected call of that outage has been answered
 *       (affected calls sent within {@link #EPISODE_GAP_NANOS} of each other belong to one outage): how long the
 *       calls caught by the fault suffered, including those held by a frozen instance.</li>
 *   <li>{@code firstSuccessMillis}: from the fault to the first 2xx answer to a call sent at or after it. Its
 *       resolution is the load's spacing (100 ms at the paper's 10 requests a second).</li>
 *   <li>{@code blackoutMillis}: the longest time after the fault without any 2xx answer.</li>
 * </ul>
 *
 * <p>Resources are integrated over the run's samples: CPU in core-seconds and mean cores, resident memory as the
 * mean over samples, for the platform's processes and for the instances (by role).
 */
record Measures(int sent, int succeeded, int failed, int resent, Map<String, Integer> byStatus, double meanMillis,
                double p50Millis, double p99Millis, double throughput, double baselineP50Millis, double recoveryMillis,
                double settledMillis, double firstSuccessMillis, double blackoutMillis, int affected, double platformCoreSeconds,
                double instanceCoreSeconds, double platformCores, double instanceCores, double platformRssMib,
                double instanceRssMib, Map<String, Double> rssMibByRole, RunResult.StoreCheck store) {

    /** Affected calls sent further apart than this belong to different outages. */
    static final long EPISODE_GAP_NANOS = 1_000_000_000L;

    static Measures of(RunResult run) {
        List<Call> calls = run.calls();
        int succeeded = (int) calls.stream().filter(Call::ok).count();
        int resent = (int) calls.stream().filter(c -> c.attempts() > 1).count();
        Map<String, Integer> byStatus = new TreeMap<>();
        calls.forEach(c -> byStatus.merge(statusName(c.status()), 1, Integer::sum));
        double[] latencies = calls.stream().filter(c -> c.status() > 0).mapToDouble(Call::latencyMillis).sorted().toArray();
        double seconds = run.durationNanos() / 1e9;
        long fault = run.faultNanos();
        double baseline = run.hasFault()
                ? median(calls.stream().filter(c -> c.ok() && c.doneNanos() < fault).mapToDouble(Call::latencyMillis).toArray())
                : median(calls.stream().filter(Call::ok).mapToDouble(Call::latencyMillis).toArray());
        Recovered r = run.hasFault() ? recovered(run, calls) : Recovered.NO_FAULT;
        Used u = used(run);
        return new Measures(calls.size(), succeeded, calls.size() - succeeded, resent, byStatus, mean(latencies),
                percentile(latencies, 50), percentile(latencies, 99), succeeded / seconds, baseline, r.recovery(), r.settled(),
                r.firstSuccess(), r.blackout(), r.affected(), u.platformCpu(), u.instanceCpu(),
                u.span() > 0 ? u.platformCpu() / u.span() : Double.NaN, u.span() > 0 ? u.instanceCpu() / u.span() : Double.NaN,
                u.samples() > 0 ? u.platformRss() / u.samples() : Double.NaN, u.samples() > 0 ? u.instanceRss() / u.samples() : Double.NaN,
                u.rssByRole(), run.store());
    }

    /** The recovery figures of a run with a fault (see the class comment); NaN where there are none. */
    private record Recovered(double recovery, double settled, double firstSuccess, double blackout, int affected) {
        static final Recovered NO_FAULT = new Recovered(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
    }

    private static Recovered recovered(RunResult run, List<Call> calls) {
        long fault = run.faultNanos();
        // Recovery is the struck function's: the guestbook's GETs go to a function the fault may not touch.
        List<Call> struck = calls.stream().filter(c -> c.op().equals(run.app().faultOp())).toList();
        double struckBaseline = median(struck.stream().filter(c -> c.ok() && c.doneNanos() < fault).mapToDouble(Call::latencyMillis).toArray());
        double slow = slowMillis(struckBaseline);
        List<Call> hit = struck.stream().filter(c -> c.doneNanos() >= fault)
                .filter(c -> !c.ok() || c.latencyMillis() > slow).toList();
        double recovery = 0;
        double settled = 0;
        if (!hit.isEmpty()) {
            long begin = Math.max(fault, hit.stream().mapToLong(Call::sentNanos).min().orElse(fault));
            recovery = struck.stream().filter(c -> c.sentNanos() >= begin && c.ok() && c.latencyMillis() <= slow)
                    .mapToLong(Call::doneNanos).min().stream().mapToDouble(n -> (n - begin) / 1e6).findFirst().orElse(Double.NaN);
            settled = episodeMillis(hit, fault);
        }
        double firstSuccess = struck.stream().filter(c -> c.ok() && c.sentNanos() >= fault).mapToLong(Call::doneNanos).min()
                .stream().mapToDouble(n -> (n - fault) / 1e6).findFirst().orElse(Double.NaN);
        return new Recovered(recovery, settled, firstSuccess, blackoutMillis(struck, fault), hit.size());
    }

    /** CPU (core-seconds) and resident memory (sums over {@code samples} memory samples) within the load's window. */
    private record Used(double platformCpu, double instanceCpu, double span, double platformRss, double instanceRss,
                        Map<String, Double> rssByRole, int samples) {
    }

    private static Used used(RunResult run) {
        double platformCpu = 0, instanceCpu = 0, span = 0, platformRss = 0, instanceRss = 0;
        Map<String, Double> byRole = new TreeMap<>();
        int memSamples = 0;
        for (Tick t : run.ticks()) {
            if (t.atNanos() <= 0 || t.atNanos() > run.durationNanos()) continue; // the load's window only
            double s = t.spanNanos() / 1e9;
            platformCpu += t.cores(true) * s;
            instanceCpu += t.cores(false) * s;
            span += s;
            if (!t.rssMib().isEmpty()) {
                platformRss += t.rssMib(true);
                instanceRss += t.rssMib(false);
                t.rssMib().forEach((role, mib) -> { if (!role.equals(ResourceSampler.PLATFORM)) byRole.merge(role, mib, Double::sum); });
                memSamples++;
            }
        }
        int n = memSamples;
        byRole.replaceAll((role, sum) -> sum / n);
        return new Used(platformCpu, instanceCpu, span, platformRss, instanceRss, byRole, n);
    }

    /** A call slower than this, after a fault, was affected by it. */
    static double slowMillis(double baselineP50) {
        return Double.isNaN(baselineP50) ? 0 : Math.max(3 * baselineP50, baselineP50 + 20);
    }

    double totalCoreSeconds() {
        return platformCoreSeconds + instanceCoreSeconds;
    }

    double totalRssMib() {
        return platformRssMib + instanceRssMib;
    }

    /** The outage that starts with the first affected call: until the answer of its last call, in ms. */
    private static double episodeMillis(List<Call> hit, long fault) {
        List<Call> sorted = new ArrayList<>(hit);
        sorted.sort((a, b) -> Long.compare(a.sentNanos(), b.sentNanos()));
        long begin = Math.max(fault, sorted.getFirst().sentNanos());
        long end = sorted.getFirst().doneNanos();
        long lastSent = sorted.getFirst().sentNanos();
        for (Call c : sorted) {
            if (c.sentNanos() - lastSent > EPISODE_GAP_NANOS) break;
            end = Math.max(end, c.doneNanos());
            lastSent = c.sentNanos();
        }
        return Math.max(0, end - begin) / 1e6;
    }

    private static double blackoutMillis(List<Call> calls, long fault) {
        long[] successes = calls.stream().filter(Call::ok).mapToLong(Call::doneNanos).filter(n -> n >= fault).sorted().toArray();
        if (successes.length == 0) return Double.NaN;
        long previous = fault;
        long longest = 0;
        for (long done : successes) {
            longest = Math.max(longest, done - previous);
            previous = done;
        }
        return longest / 1e6;
    }

    /** 2xx, 4xx, 5xx by code, and "none" for a call that got no answer. */
    static String statusName(int status) {
        return status == 0 ? "none" : Integer.toString(status);
    }

    static double median(double[] values) {
        return percentile(values, 50);
    }

    /** The {@code p}th percentile (nearest rank); {@code values} are left as they are. */
    static double percentile(double[] values, double p) {
        if (values.length == 0) return Double.NaN;
        double[] v = values;
        if (!isSorted(v)) {
            v = values.clone();
            Arrays.sort(v);
        }
        int i = (int) Math.ceil(p / 100.0 * v.length) - 1;
        return v[Math.max(0, Math.min(v.length - 1, i))];
    }

    static double mean(double[] values) {
        return values.length == 0 ? Double.NaN : Arrays.stream(values).average().orElse(Double.NaN);
    }

    private static boolean isSorted(double[] v) {
        for (int i = 1; i < v.length; i++) {
            if (v[i] < v[i - 1]) return false;
        }
        return true;
    }
}
