package io.tandem.router;

import io.vertx.core.http.HttpServerRequest;

/**
 * A request routed to {@code target}, which reached the router at {@code arrivedNanos} ({@link System#nanoTime()}),
 * answered in {@code dialect}: Tandem's own, or the API it came in through.
 */
record Call(HttpServerRequest req, Target target, long arrivedNanos, Dialect dialect) {
    /** A call through {@code /function/<name>} or a trigger, answered in Tandem's own way. */
    Call(HttpServerRequest req, Target target, long arrivedNanos) {
        this(req, target, arrivedNanos, Dialect.TANDEM);
    }

    String function() {
        return target.function().name();
    }
}
