package io.tandem.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The last minutes of each function's traffic, for the console's chart: every {@link #STEP}, the router's call
 * and error counters are read and the rates since the previous reading kept, {@link #POINTS} readings per
 * function. It reads the counters the router already keeps, so it adds nothing to a request's path; with the
 * router's metrics off there is nothing to read and the history stays empty.
 *
 * <p>Thread-safe: one timer calls {@link #sample}, any thread reads a {@link #snapshot}.
 */
public final class TrafficHistory {
    public static final Duration STEP = Duration.ofSeconds(5);
    public static final int POINTS = 72; // six minutes

    /** Calls and 5xx answers per second over the step that ended {@code at} (epoch milliseconds). */
    public record Point(long at, double calls, double errors) {
    }

    public record Snapshot(long stepMillis, Map<String, List<Point>> functions) {
    }

    private final MeterRegistry registry;
    private final Map<String, ArrayDeque<Point>> points = new HashMap<>();
    private Map<String, double[]> lastTotals;
    private Instant lastAt;

    public TrafficHistory(MeterRegistry registry) {
        this.registry = registry;
    }

    public synchronized void sample(Instant now) {
        Map<String, double[]> totals = totals();
        if (lastTotals != null) {
            double seconds = Math.max(0.001, Duration.between(lastAt, now).toNanos() / 1e9);
            for (Map.Entry<String, double[]> e : totals.entrySet()) {
                double[] before = lastTotals.getOrDefault(e.getKey(), new double[2]); // a counter made since: it was 0
                Point p = new Point(now.toEpochMilli(), Math.max(0, e.getValue()[0] - before[0]) / seconds,
                        Math.max(0, e.getValue()[1] - before[1]) / seconds);
                ArrayDeque<Point> series = points.computeIfAbsent(e.getKey(), f -> new ArrayDeque<>());
                if (series.size() == POINTS) series.poll();
                series.add(p);
            }
        }
        lastTotals = totals;
        lastAt = now;
    }

    public synchronized Snapshot snapshot() {
        Map<String, List<Point>> copy = new TreeMap<>();
        points.forEach((f, series) -> copy.put(f, new ArrayList<>(series)));
        return new Snapshot(STEP.toMillis(), copy);
    }

    private Map<String, double[]> totals() {
        Map<String, double[]> totals = new HashMap<>();
        for (Counter c : registry.find("tandem.function.calls").counters()) {
            totals.computeIfAbsent(c.getId().getTag("function"), f -> new double[2])[0] += c.count();
        }
        for (Counter c : registry.find("tandem.function.errors").counters()) {
            totals.computeIfAbsent(c.getId().getTag("function"), f -> new double[2])[1] += c.count();
        }
        totals.remove(null);
        return totals;
    }
}
