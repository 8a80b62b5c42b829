package io.tandem.router;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Sheds a call the function has no room for: 503 with {@code Retry-After}, as a load balancer does for a
 * saturated backend (and unlike 429, which says the client itself sent too much).
 */
final class Shedding {
    private Shedding() {
    }

    /** How long a client is told to wait before it sends a shed call again, in seconds. */
    static final String RETRY_AFTER_SECONDS = "1";

    /** Answers 503 "function overloaded" saying {@code why}, in the call's {@code dialect}; returns the status. Call on the request's event loop. */
    static int shed(HttpServerRequest req, Dialect dialect, String why) {
        req.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        dialect.refuse(req, 503, "function overloaded", why + "; the call did not run: send it again after " + RETRY_AFTER_SECONDS + " s");
        return 503;
    }
}
