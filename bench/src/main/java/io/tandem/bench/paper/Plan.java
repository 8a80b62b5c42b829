package io.tandem.bench.paper;

import io.tandem.model.Strategy;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * What an experiment runs: {@code requests} over {@code duration} per run, each (app, strategy, scenario) repeated
 * {@code repeat} times, on servers of {@code nodes} nodes.
 */
record Plan(String profile, int requests, Duration duration, int repeat, List<Scenario> scenarios, List<App> apps,
            List<Strategy> strategies, Arrivals arrivals, long seed, int nodes, Duration freeze, int fibN, URI redis,
            Duration timeout) {

    /** The paper's sizes (its section 5): 3000 requests over 5 minutes, 5 repetitions, every scenario, app and strategy. */
    static final String PAPER = "paper";
    /** The same shape, short: 10 requests a second as the paper, for 10 s, once. */
    static final String QUICK = "quick";

    /** Rough cost of one run beyond its load (settling, warm-up, reading the store), and of starting a cluster. */
    private static final Duration RUN_OVERHEAD = Duration.ofSeconds(6);
    private static final Duration CLUSTER_START = Duration.ofSeconds(12);

    int runs() {
        return apps.size() * strategies.size() * scenarios.size() * repeat;
    }

    double rate() {
        return requests / (duration.toMillis() / 1000.0);
    }

    /** A rough estimate of the whole experiment's length, said up front. */
    Duration estimate() {
        return duration.plus(RUN_OVERHEAD).multipliedBy(runs()).plus(CLUSTER_START.multipliedBy((long) apps.size() * strategies.size()));
    }

    boolean needsRedis() {
        return apps.stream().anyMatch(App::needsRedis);
    }
}
