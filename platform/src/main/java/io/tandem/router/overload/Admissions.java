package io.tandem.router.overload;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every function's {@link Admission}, made on its first call, with its meters: {@code tandem.function.concurrency.limit}
 * (the learnt limit), {@code tandem.function.queued} (calls waiting) and {@code tandem.function.shed} (calls refused
 * unrun, by {@code reason}). A deleted function's entry stays until the process ends, as its other meters do.
 *
 * <p>Thread-safe; {@link #of} allocates nothing once the function's entry exists.
 */
public final class Admissions {
    private final Vertx vertx;
    private final int maxLimit;
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Admission> byFunction = new ConcurrentHashMap<>();

    /** {@code registry} may be null: no meters. */
    public Admissions(Vertx vertx, int maxLimit, MeterRegistry registry) {
        this.vertx = vertx;
        this.maxLimit = Math.max(ConcurrencyLimit.MIN, maxLimit);
        this.registry = registry;
    }

    public Admission of(String function) {
        Admission a = byFunction.get(function);
        return a != null ? a : byFunction.computeIfAbsent(function, this::create);
    }

    private Admission create(String function) {
        Admission a = new Admission(vertx, maxLimit);
        if (registry != null) {
            Gauge.builder("tandem.function.concurrency.limit", a, Admission::limit).tag("function", function)
                    .description("Calls the router lets run at once, learnt from the function's latency").register(registry);
            Gauge.builder("tandem.function.queued", a, Admission::queued).tag("function", function)
                    .description("Calls waiting in the router for a slot").register(registry);
            for (Admission.Reason reason : Admission.Reason.values()) {
                FunctionCounter.builder("tandem.function.shed", a, x -> x.shed(reason)).tag("function", function)
                        .tag("reason", reason.label()).description("Calls refused unrun with 503: the function was overloaded")
                        .register(registry);
            }
        }
        return a;
    }
}
