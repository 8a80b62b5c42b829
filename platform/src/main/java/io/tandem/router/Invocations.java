package io.tandem.router;

import io.tandem.router.strategy.Strategy;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

/**
 * Starts each call's {@link Invocation}: chooses the function's strategy ({@link StrategyChoice}) and gives it what
 * every invocation of one event loop shares (the routing table, the cold path, that loop's transport and deadlines).
 * Confined to its event loop, as its client is.
 */
final class Invocations {
    final Vertx vertx;
    final EndpointTable endpoints;
    final ColdStarts coldStarts;
    final long maxBodyBytes;
    final HttpTransport transport;
    /** The function timeouts of this loop's calls. */
    final Deadlines deadlines;
    private final StrategyChoice strategies;

    Invocations(Vertx vertx, EndpointTable endpoints, ColdStarts coldStarts, StrategyChoice strategies, long maxBodyBytes, HttpTransport transport) {
        this.vertx = vertx;
        this.endpoints = endpoints;
        this.coldStarts = coldStarts;
        this.strategies = strategies;
        this.maxBodyBytes = maxBodyBytes;
        this.transport = transport;
        this.deadlines = new Deadlines(vertx);
    }

    /** The invocation of one call, not yet run, whose attempts carry {@code requestId} (and the body {@code dialect} read, if any). */
    Invocation start(HttpServerRequest req, Target target, String requestId, boolean hasBody, Dialect dialect) {
        Strategy strategy = strategies.of(target.function().spec());
        return new Invocation(this, req, target, strategy, requestId, hasBody, dialect);
    }
}
