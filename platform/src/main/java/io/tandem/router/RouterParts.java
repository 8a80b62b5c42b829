package io.tandem.router;

import io.tandem.http.ClientConnections;
import io.tandem.metrics.Metrics;
import io.tandem.model.ChangeFeed;
import io.tandem.router.overload.Admissions;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every server verticle of one router shares; each part is thread-safe. {@code feed} is where the routes come
 * from, asked to catch up before a request is refused for want of a route. {@code metrics} is the process's registry,
 * served on {@code /metrics}; {@code requests} records into it, or nothing when the config turns it off.
 * {@code inFlight} counts the calls of functions with concurrency limits; {@code admissions} holds every function's
 * learnt concurrency limit and queue; {@code async} is where async calls go, set once the process has made it.
 * {@code clients} counts connections per remote address on the public port, {@code localClients} on the loopback one.
 */
record RouterParts(Vertx vertx, RouterConfig config, Routes routes, EndpointTable endpoints, ColdStarts coldStarts,
                   ChangeFeed feed, Metrics metrics, RequestMetrics requests, InFlight inFlight, Admissions admissions,
                   AtomicReference<AsyncGateway> async, ClientConnections clients, ClientConnections localClients) {
}
