package io.tandem.executor;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Objects;

/**
 * What the executor's parts share: its configuration, its {@link Cluster}, its events and metrics, and the one
 * Vert.x context that owns them. That context is bound when the executor's verticle starts; {@link #onContext}
 * fails before then. {@link #stopping()} is read and set on that context only.
 */
final class ExecutorContext {
    private final Vertx vertx;
    private final ExecutorConfig config;
    private final Cluster cluster = new Cluster();
    private final ClusterEvents events;
    private final ExecutorMetrics metrics;
    private volatile Context context;
    private boolean stopping;

    ExecutorContext(Vertx vertx, ExecutorConfig config, ClusterEvents events, ExecutorMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.events = events;
        this.metrics = metrics;
    }

    Vertx vertx() {
        return vertx;
    }

    ExecutorConfig config() {
        return config;
    }

    Cluster cluster() {
        return cluster;
    }

    ClusterEvents events() {
        return events;
    }

    ExecutorMetrics metrics() {
        return metrics;
    }

    /** Binds the executor's verticle's context; once, when it starts. */
    void bind(Context context) {
        this.context = context;
    }

    /** The executor's context, or null before it started. Any thread. */
    Context context() {
        return context;
    }

    /** Runs {@code r} on the executor's context: now if already on it. Any thread, once started. */
    void onContext(Runnable r) {
        Context c = Objects.requireNonNull(context, "the executor has not started");
        if (Vertx.currentContext() == c) r.run();
        else c.runOnContext(v -> r.run());
    }

    /** Runs {@code r} on the executor's context after what runs now. */
    void later(Runnable r) {
        context.runOnContext(v -> r.run());
    }

    /** Whether the executor is stopping. */
    boolean stopping() {
        return stopping;
    }

    void beginStopping() {
        stopping = true;
    }
}
