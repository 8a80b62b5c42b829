package io.tandem.router;

import io.tandem.router.strategy.Strategy;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;

/**
 * Starts each call's {@link Invocation}: chooses the function's strategy ({@link StrategyChoice}) and gives it what
 * every invocation of one event loop shares (the routing table, the cold path, that loop's HTTP client).
 * Confined to its event loop, as its client is.
 */
final class Invocations {
    final Vertx vertx;
    final EndpointTable endpoints;
    final ColdStarts coldStarts;
    final long maxBodyBytes;
    /** How long a send waits for a pooled connection to its instance. */
    final Duration poolWait;
    final HttpClient client;
    private final StrategyChoice strategies;

    Invocations(Vertx vertx, EndpointTable endpoints, ColdStarts coldStarts, StrategyChoice strategies, RouterConfig config, HttpClient client) {
        this.vertx = vertx;
        this.endpoints = endpoints;
        this.coldStarts = coldStarts;
        this.strategies = strategies;
        this.maxBodyBytes = config.maxBodyBytes();
        this.poolWait = config.poolWait();
        this.client = client;
    }

    /** The invocation of one call, not yet run; {@code headers} are the ones to forward. */
    Invocation start(HttpServerRequest req, Target target, MultiMap headers, boolean hasBody) {
        Strategy strategy = strategies.of(target.function().spec());
        return new Invocation(this, req, target, strategy, headers, hasBody);
    }
}
