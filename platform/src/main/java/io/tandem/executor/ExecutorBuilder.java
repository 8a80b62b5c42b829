package io.tandem.executor;

import io.tandem.home.TandemHome;
import io.tandem.model.ChangeFeed;
import io.vertx.core.Vertx;

/**
 * The parts an executor is made of, beyond the five it cannot do without ({@link Executor#builder}). Not
 * thread-safe; used once.
 */
public final class ExecutorBuilder {
    final TandemHome home;
    final Vertx vertx;
    final ChangeFeed feed;
    final EndpointPublisher publisher;
    final ExecutorConfig config;
    EventSink events = EventSink.discard();
    ExecutorMetrics metrics = ExecutorMetrics.discard();
    AgentConnector connector;

    ExecutorBuilder(TandemHome home, Vertx vertx, ChangeFeed feed, EndpointPublisher publisher, ExecutorConfig config) {
        this.home = home;
        this.vertx = vertx;
        this.feed = feed;
        this.publisher = publisher;
        this.config = config;
    }

    public ExecutorBuilder events(EventSink events) {
        this.events = events;
        return this;
    }

    public ExecutorBuilder metrics(ExecutorMetrics metrics) {
        this.metrics = metrics;
        return this;
    }

    /** How agents are reached; tests pass fakes. Default: over HTTP. */
    ExecutorBuilder connector(AgentConnector connector) {
        this.connector = connector;
        return this;
    }

    public Executor build() {
        return new Executor(this);
    }
}
