package io.tandem.router;

import io.tandem.http.ErrorReply;
import io.tandem.metrics.Metrics;
import io.tandem.model.ChangeFeed;
import io.tandem.router.strategy.ResendPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;

/**
 * The router's own paths, never routed to a function: {@code /healthz} (200 while the process serves HTTP: a
 * liveness probe), {@code /readyz} (200 once the routes were read from the controller at least once, else 503: a
 * readiness probe; it stays 200 while the controller is away, since the router serves what it holds) and
 * {@code /metrics} (the Prometheus text). None asks for the API token: probes and scrapers carry none, and none
 * reveals more than function names.
 *
 * <p>Thread-safe: every event loop of the router answers here; {@code /metrics} renders on a worker thread.
 */
final class AdminRoutes {
    private static final Buffer HEALTHY = new JsonObject().put("status", "ok").toBuffer();
    private static final Buffer NOT_READY = new JsonObject().put("status", "not ready")
            .put("detail", "the routes have not been read from the controller yet").toBuffer();

    private final Vertx vertx;
    private final ChangeFeed feed;
    private final Metrics metrics;

    AdminRoutes(Vertx vertx, ChangeFeed feed, Metrics metrics) {
        this.vertx = vertx;
        this.feed = feed;
        this.metrics = metrics;
    }

    /** Answers {@code req} when its path is one of the router's own; false when it is not. */
    boolean serve(HttpServerRequest req) {
        switch (req.path()) {
            case "/healthz" -> req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(HEALTHY);
            case "/readyz" -> readiness(req);
            case "/metrics" -> metrics(req);
            default -> {
                return false;
            }
        }
        return true;
    }

    private void readiness(HttpServerRequest req) {
        CompletableFuture<Void> synced = feed.synced();
        boolean ready = synced.isDone() && !synced.isCompletedExceptionally();
        req.response().setStatusCode(ready ? 200 : 503).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(ready ? HEALTHY : NOT_READY);
    }

    /** Renders on a worker thread: the executor's gauges take a snapshot of its state, too slow for an event loop. */
    private void metrics(HttpServerRequest req) {
        if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
            ErrorReply.send(req, 405, "method not allowed", "/metrics answers GET");
            return;
        }
        vertx.executeBlocking(metrics::scrape, false).onComplete(scraped -> {
            if (scraped.failed()) {
                ErrorReply.send(req, 500, "metrics failed", ResendPolicy.messageOf(scraped.cause()));
                return;
            }
            req.response().putHeader(HttpHeaders.CONTENT_TYPE, Metrics.CONTENT_TYPE).end(scraped.result());
        });
    }
}
