package io.tandem.controller;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tandem.controller.store.ResourceStore;
import io.tandem.metrics.Labels;
import io.tandem.metrics.Metrics;
import io.vertx.core.Handler;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The controller's meters (names and meaning in {@code docs/metrics.md}): API requests by method, route template
 * and status code with their duration, the store's revision, and cluster events dropped because the store fell
 * behind.
 *
 * <p>Threads. {@link #handler()} runs first on every request, on the event loop that serves it, and records when the
 * response head is written; the gauges are read on the scraping thread from thread-safe sources (the store answers
 * {@code revision()} from its own thread, the recorder keeps an atomic count). They live as long as the controller
 * process: a restarted controller starts them at 0, which Prometheus reads as a counter reset.
 */
final class ApiMetrics {
    private final MeterRegistry registry;

    ApiMetrics(Metrics metrics, Supplier<ResourceStore> store, EventRecorder events) {
        this.registry = metrics.registry();
        Gauge.builder("tandem.store.revision", () -> {
            ResourceStore s = store.get();
            return s == null ? 0 : s.revision();
        }).description("Revision of the last change committed to the controller's store").register(registry);
        FunctionCounter.builder("tandem.events.dropped", events, EventRecorder::dropped)
                .description("Cluster events dropped because the store fell behind").register(registry);
    }

    /** Times each request from here to its response head. */
    Handler<RoutingContext> handler() {
        return ctx -> {
            long start = System.nanoTime();
            ctx.addHeadersEndHandler(v -> Timer.builder("tandem.api.request.duration")
                    .description("Controller API requests, from arrival to the response head")
                    .serviceLevelObjectives(Metrics.LATENCY_BUCKETS.toArray(Duration[]::new))
                    .tags("method", Labels.method(ctx.request().method().name()), "route", routeOf(ctx),
                            "code", Labels.code(ctx.response().getStatusCode()))
                    .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
            ctx.next();
        };
    }

    /** The template of the route that answered ({@code /v1/functions/:name}), never the request's path. */
    private static String routeOf(RoutingContext ctx) {
        Route route = ctx.currentRoute();
        String path = route == null ? null : route.getPath();
        return path == null || path.isEmpty() ? "other" : path;
    }
}
