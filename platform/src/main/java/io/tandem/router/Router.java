package io.tandem.router;

import io.tandem.executor.EndpointPublisher;
import io.tandem.model.ChangeFeed;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * The router role: serves HTTP triggers and {@code /function/<name>} on one port, streaming each request to an
 * instance of its function under the function's fault-tolerance strategy.
 *
 * <p>Threads: {@link RouterConfig#serverInstances()} event loops each run a {@link ServerVerticle} (server plus
 * its own client pool) on the shared port and own every request they accept. The change feed's thread publishes
 * new route snapshots ({@link Routes}, copy-on-write); the executor's threads publish endpoints
 * ({@link #endpoints()}, copy-on-write per function); event loops read both without locks. The executor is asked
 * for an endpoint ({@link InstanceSource}) only when the routing table has none for the function or one failed.
 *
 * <p>{@link #start()} and {@link #stop()} may be called from any thread, once each.
 */
public final class Router {
    private final Vertx vertx;
    private final ChangeFeed feed;
    private final RouterParts parts;
    private final List<String> deployments = new ArrayList<>();
    private volatile int port = -1;
    private AutoCloseable subscription;

    public Router(Vertx vertx, ChangeFeed feed, InstanceSource source, RouterConfig config) {
        this.vertx = vertx;
        this.feed = feed;
        this.parts = new RouterParts(vertx, config, new Routes(), new EndpointTable(), new ColdStarts(source));
    }

    /** Subscribes to the change feed and listens; completes once the port accepts connections. */
    public Future<Void> start() {
        subscription = feed.subscribe(parts.routes());
        // The first server binds (perhaps a free port when 0 was asked); the others then share that exact port.
        ServerVerticle first = new ServerVerticle(parts, parts.config().port());
        return vertx.deployVerticle(first).compose(id -> {
            deployments.add(id);
            port = first.actualPort();
            int others = parts.config().serverInstances() - 1;
            if (others == 0) return Future.succeededFuture();
            return vertx.deployVerticle(() -> new ServerVerticle(parts, port), new DeploymentOptions().setInstances(others))
                    .map(deployments::add);
        }).mapEmpty();
    }

    /** The port the router listens on; valid after {@link #start()} completed. */
    public int port() {
        return port;
    }

    /** The routing table the executor pushes warm endpoints into. Thread-safe and non-blocking. */
    public EndpointPublisher endpoints() {
        return parts.endpoints();
    }

    /** Stops listening and unsubscribes; requests in flight are cut. */
    public Future<Void> stop() {
        try {
            if (subscription != null) subscription.close();
        } catch (Exception e) {
            // Closing a subscription only stops deliveries; nothing to recover.
        }
        List<Future<Void>> undeployed = new ArrayList<>();
        for (String id : deployments) undeployed.add(vertx.undeploy(id));
        deployments.clear();
        return Future.join(undeployed).mapEmpty();
    }
}
