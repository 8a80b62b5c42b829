package io.tandem.bench.paper;

import io.tandem.model.Strategy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Runs a {@link Plan}: for each app and strategy a {@link Cluster} of its own, on which every scenario is run
 * {@code repeat} times. One run: settle the cluster, warm the path, then the measured open-loop load with the
 * resource sampler going and, for a fault scenario, the fault struck from a thread of its own at its time.
 *
 * <p>Threads: {@link #run} on the caller's thread (the experiment's); {@link #interrupt} from any (Ctrl-C): it stops
 * the load, interrupts the experiment's thread and the fault's (a frozen node is resumed), and {@link #run} returns
 * what was measured so far. {@link #results} may be read from any thread.
 */
final class Experiment {
    /** Requests sent before each run to warm the path (JIT, connections), not recorded. */
    private static final int WARM_UP_REQUESTS = 40;
    private static final Duration WARM_UP = Duration.ofSeconds(2);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(120);

    private final Plan plan;
    private final Path examples;
    private final GuestbookStore store;
    private final String id;
    private final Consumer<String> log;
    private final List<RunResult> results = new CopyOnWriteArrayList<>();
    private final List<String> notCounted = new CopyOnWriteArrayList<>();
    private final AtomicReference<Current> current = new AtomicReference<>();
    private volatile Thread runner;
    private volatile Thread faulter;
    private volatile OpenLoop load;
    private volatile boolean interrupted;

    /** The run going on now, for progress lines: its label, number, start and load. */
    record Current(String label, int number, long startNanos, long durationNanos, OpenLoop load) {
    }

    Experiment(Plan plan, Path examples, GuestbookStore store, String id, Consumer<String> log) {
        this.plan = plan;
        this.examples = examples;
        this.store = store;
        this.id = id;
        this.log = log;
    }

    List<RunResult> results() {
        return List.copyOf(results);
    }

    /** Runs that could not be measured, and why. */
    List<String> notCounted() {
        return List.copyOf(notCounted);
    }

    Current current() {
        return current.get();
    }

    boolean interrupted() {
        return interrupted;
    }

    /** Stops the experiment: no new run starts, the current load ends, a frozen node is resumed. Any thread. */
    void interrupt() {
        interrupted = true;
        OpenLoop l = load;
        if (l != null) l.stop();
        Thread f = faulter;
        if (f != null) f.interrupt();
        Thread r = runner;
        if (r != null) r.interrupt();
    }

    /** Runs the whole plan, or until interrupted; returns the runs measured. */
    List<RunResult> run() throws Exception {
        runner = Thread.currentThread();
        int number = 0;
        try (OpenLoop open = new OpenLoop()) {
            load = open;
            for (App app : plan.apps()) {
                for (Strategy strategy : plan.strategies()) {
                    if (interrupted) return results();
                    number = runGroup(app, strategy, number);
                }
            }
        } finally {
            current.set(null);
            load = null;
        }
        return results();
    }

    /**
     * Starts a server for {@code app} under {@code strategy} and runs every scenario on it, {@code repeat} times;
     * returns the number of the last run. Stops early when interrupted.
     */
    private int runGroup(App app, Strategy strategy, int number) {
        String group = app.wireName() + "-" + strategy.wireName();
        Map<String, String> env = new HashMap<>();
        if (store != null) {
            env.put("REDIS_URL", store.url().toString());
            env.put("GUESTBOOK_KEY", store.keyFor(group));
        }
        log.accept(String.format(Locale.ROOT, "starting a %d-node server for %s under %s", plan.nodes(), app.wireName(), strategy.wireName()));
        Cluster started;
        try {
            started = Cluster.start(app, strategy, plan.nodes(), examples, env);
        } catch (Exception e) {
            if (interrupted) return number;
            // The other groups may still run: this one's runs are reported as not counted, with the reason.
            int runs = plan.scenarios().size() * plan.repeat();
            notCounted.add(app.wireName() + " / " + strategy.wireName() + ": all " + runs + " runs, the server did not start: " + firstLine(e.getMessage()));
            log.accept(String.format(Locale.ROOT, "%s under %s: not counted, the server did not start: %s", app.wireName(), strategy.wireName(), firstLine(e.getMessage())));
            return number + runs;
        }
        try (Cluster cluster = started) {
            for (Scenario scenario : plan.scenarios()) {
                for (int rep = 1; rep <= plan.repeat(); rep++) {
                    if (interrupted) return number;
                    number++;
                    String label = app.wireName() + " / " + strategy.wireName() + " / " + scenario.wireName() + " #" + rep;
                    if (!runCounted(new Run(cluster, app, strategy, scenario, rep, number, group, label))) return number;
                }
            }
        } catch (Exception e) {
            if (interrupted) return number;
            log.accept("stopping the server of " + group + " failed: " + firstLine(e.getMessage()));
        }
        return number;
    }

    /** One run of the plan: where, what, and its place among the others. */
    private record Run(Cluster cluster, App app, Strategy strategy, Scenario scenario, int rep, int number, String group, String label) {
    }

    /** Runs {@code run} and files its result, or why it was not counted; false when the experiment was interrupted. */
    private boolean runCounted(Run run) {
        try {
            RunResult r = runOne(run);
            if (r.interrupted()) {
                notCounted.add(run.label() + ": interrupted");
            } else {
                results.add(r);
                log.accept(summary(run.number(), run.label(), r));
            }
            return true;
        } catch (Exception e) {
            if (interrupted) {
                notCounted.add(run.label() + ": interrupted");
                return false;
            }
            notCounted.add(run.label() + ": " + e.getMessage());
            log.accept(String.format(Locale.ROOT, "[%d/%d] %s: not counted, %s", run.number(), plan.runs(), run.label(), e.getMessage()));
            return true;
        }
    }

    private RunResult runOne(Run run) throws Exception {
        String tag = "r" + run.number() + "-" + id;
        run.cluster().settle(SETTLE_TIMEOUT);
        URI router = run.cluster().router();
        OpenLoop open = load;
        open.run(router, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20),
                Arrivals.FIXED.schedule(WARM_UP_REQUESTS, WARM_UP.toNanos(), null),
                i -> planned(run.app(), "warmup-" + tag, i), plan.timeout());
        if (interrupted) throw new InterruptedException();

        SplittableRandom random = new SplittableRandom(plan.seed() * 1_000_003L + run.number());
        long durationNanos = plan.duration().toNanos();
        long[] offsets = plan.arrivals().schedule(plan.requests(), durationNanos, random);
        Duration faultAt = run.scenario().faultAt(plan.duration(), random);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        ResourceSampler sampler = new ResourceSampler(run.cluster()::processes, run.cluster()::roles, Duration.ofMillis(500), start);
        sampler.start();
        Strike strike = faultAt == null ? null : Strike.start(run.cluster(), run.scenario(), plan.freeze(), start + faultAt.toNanos());
        faulter = strike == null ? null : strike.thread();
        current.set(new Current(run.label(), run.number(), start, durationNanos, open));
        List<OpenLoop.Call> calls;
        List<ResourceSampler.Tick> ticks;
        try {
            calls = open.run(router, start, offsets, i -> planned(run.app(), tag, i), plan.timeout());
        } finally {
            ticks = sampler.stop();
            if (strike != null) joinUninterruptibly(strike.thread(), plan.freeze().plusSeconds(30)); // a frozen node is resumed before the run ends
            faulter = null;
            current.set(null);
        }
        Exception strikeFailed = strike == null ? null : strike.failed().get();
        if (strikeFailed != null && !interrupted) throw new IllegalStateException("the fault could not be injected: " + strikeFailed.getMessage(), strikeFailed);
        Cluster.Struck struck = strike == null ? null : strike.struck().get();
        RunResult.StoreCheck check = run.app().needsRedis() && store != null && !interrupted ? store.check(store.keyFor(run.group()), tag, calls) : null;
        return new RunResult(run.app(), run.strategy().wireName(), run.scenario(), run.rep(), tag, durationNanos, faultNanos(struck, start),
                struck == null ? "" : struck.detail(), calls, ticks, check, interrupted || open.stopped());
    }

    /** A fault struck from a thread of its own at its time: what it did, or why it could not. */
    private record Strike(Thread thread, AtomicReference<Cluster.Struck> struck, AtomicReference<Exception> failed) {
        static Strike start(Cluster cluster, Scenario scenario, Duration freeze, long dueNanos) {
            AtomicReference<Cluster.Struck> struck = new AtomicReference<>();
            AtomicReference<Exception> failed = new AtomicReference<>();
            Thread thread = Thread.ofPlatform().name("bench-fault").start(() -> {
                try {
                    Cluster.sleepUntil(dueNanos);
                    struck.set(cluster.strike(scenario, freeze));
                } catch (Exception e) {
                    failed.set(e);
                }
            });
            return new Strike(thread, struck, failed);
        }
    }

    /** When {@code struck} happened, in ns from {@code start}; -1 when nothing was struck. */
    private static long faultNanos(Cluster.Struck struck, long start) {
        if (struck == null) return -1;
        // The fault's moment is when the signal went, on the wall clock; the calls' times count from start.
        long wallAtStart = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        return TimeUnit.MILLISECONDS.toNanos(struck.atMs() - wallAtStart);
    }

    /** Waits up to {@code limit} for {@code t} to end, also when interrupted (the interrupt is kept for later). */
    static void joinUninterruptibly(Thread t, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        boolean interrupted = false;
        while (t.isAlive() && System.nanoTime() < deadline) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static String firstLine(String message) {
        if (message == null) return "(no message)";
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl) + " ...";
    }

    private OpenLoop.Planned planned(App app, String tag, int index) {
        String requestId = tag + "-" + index;
        return new OpenLoop.Planned(requestId, app.request(index, tag, requestId, plan.fibN()));
    }

    private String summary(int number, String label, RunResult r) {
        Measures m = Measures.of(r);
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "[%d/%d] %-44s sent %d ok %d failed %d re-sent %d, mean %.1f ms p99 %.1f ms",
                number, plan.runs(), label, m.sent(), m.succeeded(), m.failed(), m.resent(), m.meanMillis(), m.p99Millis()));
        if (r.hasFault()) {
            s.append(String.format(Locale.ROOT, " | recovery %.0f ms, fault to first success %.0f ms, all affected answered after %.0f ms (%s)",
                    m.recoveryMillis(), m.firstSuccessMillis(), m.settledMillis(), r.faultDetail()));
        }
        if (m.store() != null) s.append(String.format(Locale.ROOT, " | store: %d lost, %d twice", m.store().lost(), m.store().duplicated()));
        return s.toString();
    }
}
