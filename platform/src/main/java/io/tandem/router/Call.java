package io.tandem.router;

import io.vertx.core.http.HttpServerRequest;

/** A request routed to {@code target}, which reached the router at {@code arrivedNanos} ({@link System#nanoTime()}). */
record Call(HttpServerRequest req, Target target, long arrivedNanos) {
    String function() {
        return target.function().name();
    }
}
