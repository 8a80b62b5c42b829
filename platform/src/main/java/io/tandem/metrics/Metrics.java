package io.tandem.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One process's meters and their Prometheus text exposition, served on {@code /metrics} by the router's port (the
 * server process: router and executor) and by the controller's.
 *
 * <p>Thread-safe. Meters are recorded from any thread (event loops, the executor's context); {@link #scrape()} runs
 * on whatever thread serves the scrape (a worker thread, never an event loop) and first runs the
 * {@linkplain #beforeScrape refreshers}, which turn state owned by other threads into gauge rows from snapshots.
 * Counters live as long as the process: a scrape during a failover sees them only grow; a restart of the process
 * starts them at 0, which Prometheus's {@code rate()} treats as a reset.
 */
public final class Metrics {
    /** The Prometheus text format, version 0.0.4: what every Prometheus and {@code promtool check metrics} read. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * Bucket bounds of request latencies: from 0.5 ms (a warm hop on loopback) to 60 s (the default function timeout).
     * Fixed bounds instead of Micrometer's percentile histogram, which would export about 70 buckets per series.
     */
    public static final List<Duration> LATENCY_BUCKETS = millis(0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000);

    /** Bucket bounds of cold starts and recoveries: from 5 ms (a specialization) to 2 min (a node declared dead late). */
    public static final List<Duration> STARTUP_BUCKETS = millis(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 120000);

    private final PrometheusMeterRegistry registry;
    private final List<Runnable> refreshers = new CopyOnWriteArrayList<>();

    private Metrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * A registry with the JVM's own meters bound: memory, threads, uptime, and the process's CPU time as
     * {@code process_cpu_seconds_total} (Micrometer's processor binder names it in nanoseconds and exports a
     * {@code _count} gauge, which {@code promtool check metrics} rejects).
     */
    public static Metrics create() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by this process").register(registry);
        }
        return new Metrics(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Runs {@code refresher} before each scrape, on the scraping thread; it must only read thread-safe snapshots. */
    public void beforeScrape(Runnable refresher) {
        refreshers.add(refresher);
    }

    /** Every meter in the Prometheus text format ({@link #CONTENT_TYPE}). Blocks for the refreshers: call off event loops. */
    public String scrape() {
        for (Runnable r : refreshers) r.run();
        return registry.scrape();
    }

    private static List<Duration> millis(double... bounds) {
        return java.util.Arrays.stream(bounds).mapToObj(ms -> Duration.ofNanos((long) (ms * 1_000_000))).toList();
    }
}
