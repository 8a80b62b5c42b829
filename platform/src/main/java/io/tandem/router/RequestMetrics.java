package io.tandem.router;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tandem.metrics.Labels;
import io.tandem.metrics.Metrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The router's per-request meters (names and meaning in {@code docs/metrics.md}): calls, errors and duration per
 * function, route template, method and status code; router overhead, re-sent requests and time spent waiting for a
 * cold start per function.
 *
 * <p>Threads. The registry is thread-safe and hands every event loop the same meter for the same labels. Looking a
 * meter up by its labels allocates, so each {@link ServerVerticle} owns a {@link Recorder}, confined to its event
 * loop, that resolves each label combination once and keeps the meters in plain maps keyed by strings the routing
 * table already holds (the function's name, the trigger's path template): a warm request allocates nothing here.
 * The maps only grow, bounded by functions, triggers, eight methods and the codes they answer with; a deleted
 * function's series stay, frozen, until the process ends, as Prometheus expects of counters.
 */
final class RequestMetrics {
    /** The route label of {@code /function/<name>}: a template, so the label set stays one per function. */
    static final String FUNCTION_ROUTE = "/function/{name}";

    private final MeterRegistry registry;

    private RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    static RequestMetrics on(MeterRegistry registry) {
        return new RequestMetrics(registry);
    }

    /** Records nothing: the benchmark's baseline, and a router whose operator turned metrics off. */
    static RequestMetrics off() {
        return new RequestMetrics(null);
    }

    boolean enabled() {
        return registry != null;
    }

    /** A recorder for one event loop; null when off. */
    Recorder recorder() {
        return registry == null ? null : new Recorder();
    }

    /** One event loop's view of the meters. Confined to that event loop. */
    final class Recorder {
        private final Map<String, FunctionMeters> functions = new HashMap<>();
        private final Map<String, Counter> unrouted = new HashMap<>();

        /** One call routed to a function, answered as {@code answer}, {@code totalNanos} after it arrived. */
        void record(Target target, String method, Answer answer, long totalNanos) {
            Answer.Sent sent = answer.sent();
            if (sent == null) refused(target.function(), target.route(), method, answer.status(), totalNanos);
            else sent(target.function(), target.route(), method, answer.status(), totalNanos, sent);
        }

        /** A call to {@code function} the router answered itself before sending it anywhere. */
        void refused(Routes.FunctionRoute function, String route, String method, int code, long totalNanos) {
            called(function, route, method, code, totalNanos);
        }

        /**
         * A call that reached a function's strategy and was sent as {@code sent} measured. The rest of
         * {@code totalNanos} beyond the answering send's time and the cold wait is the router's overhead (routing,
         * retries, back-off, waiting for a failover); a call no send answered has none recorded.
         */
        void sent(Routes.FunctionRoute function, String route, String method, int code, long totalNanos, Answer.Sent sent) {
            FunctionMeters f = called(function, route, method, code, totalNanos);
            if (sent.functionNanos().isPresent()) {
                long overhead = totalNanos - sent.functionNanos().getAsLong() - sent.coldWaitNanos();
                f.overhead.record(Math.max(0, overhead), TimeUnit.NANOSECONDS);
            }
            if (sent.coldWaitNanos() > 0) f.coldWait.record(sent.coldWaitNanos(), TimeUnit.NANOSECONDS);
            if (sent.attempts() > 1) f.resent.increment();
        }

        /** Counts the call and its duration under its labels; returns its function's meters. */
        private FunctionMeters called(Routes.FunctionRoute function, String route, String method, int code, long totalNanos) {
            FunctionMeters f = functions.get(function.name());
            if (f == null || f.route != function) {
                f = new FunctionMeters(function);
                functions.put(function.name(), f);
            }
            CodeMeters m = f.codeMeters(route, Labels.methodIndex(method), code);
            m.calls.increment();
            if (m.errors != null) m.errors.increment();
            m.duration.record(totalNanos, TimeUnit.NANOSECONDS);
            return f;
        }

        /** A request the router answered itself before any function was chosen (no route, bad request). */
        void unrouted(int code) {
            String c = Labels.code(code);
            Counter counter = unrouted.get(c);
            if (counter == null) {
                counter = Counter.builder("tandem.router.unrouted.requests").description("Requests that matched no function, by status code")
                        .tag("code", c).register(registry);
                unrouted.put(c, counter);
            }
            counter.increment();
        }
    }

    /** A function's meters, for one version of its route (a change of strategy makes new ones). */
    private final class FunctionMeters {
        final Routes.FunctionRoute route;
        final Timer overhead;
        final Timer coldWait;
        final Counter resent;
        final Map<String, CodeMeters[][]> byRoute = new HashMap<>();

        FunctionMeters(Routes.FunctionRoute route) {
            this.route = route;
            String name = route.name();
            String strategy = route.spec().faultTolerance().strategy().wireName();
            overhead = latency("tandem.function.overhead", "Time the router spent on a call besides the function's own answer and cold starts: routing, retries, back-off, failover waits")
                    .tag("function", name).register(registry);
            coldWait = Timer.builder("tandem.function.cold.wait").description("Time calls waited for the executor to provide an instance (a cold start)")
                    .serviceLevelObjectives(Metrics.STARTUP_BUCKETS.toArray(Duration[]::new))
                    .tag("function", name).register(registry);
            resent = Counter.builder("tandem.function.resent.requests").description("Calls sent to an instance more than once (retries and failovers)")
                    .tag("function", name).tag("strategy", strategy).register(registry);
        }

        CodeMeters codeMeters(String routeLabel, int method, int code) {
            CodeMeters[][] byMethod = byRoute.get(routeLabel);
            if (byMethod == null) {
                byMethod = new CodeMeters[Labels.METHODS.length][];
                byRoute.put(routeLabel, byMethod);
            }
            CodeMeters[] codes = byMethod[method];
            if (codes != null) {
                for (CodeMeters m : codes) if (m.code == code) return m;
            }
            CodeMeters m = new CodeMeters(route.name(), routeLabel, Labels.METHODS[method], code);
            CodeMeters[] grown = codes == null ? new CodeMeters[1] : java.util.Arrays.copyOf(codes, codes.length + 1);
            grown[grown.length - 1] = m;
            byMethod[method] = grown;
            return m;
        }
    }

    /** The meters of one (function, route, method, code). */
    private final class CodeMeters {
        final int code;
        final Counter calls;
        final Counter errors;
        final Timer duration;

        CodeMeters(String function, String route, String method, int code) {
            this.code = code;
            String c = Labels.code(code);
            calls = Counter.builder("tandem.function.calls").description("Calls of a function through the router")
                    .tags("function", function, "route", route, "method", method, "code", c).register(registry);
            errors = code < 500 ? null : Counter.builder("tandem.function.errors").description("Calls that ended in a 5xx, the function's own or the router's")
                    .tags("function", function, "route", route, "method", method, "code", c).register(registry);
            duration = latency("tandem.function.duration", "Time from a call's arrival at the router to the response head")
                    .tags("function", function, "route", route, "method", method, "code", c).register(registry);
        }
    }

    private static Timer.Builder latency(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(Metrics.LATENCY_BUCKETS.toArray(Duration[]::new));
    }
}
