package io.tandem.router;

import io.tandem.executor.EndpointPublisher;
import io.tandem.model.ChangeFeed;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

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
    private static final AtomicInteger RANDOM_PORT_KEYS = new AtomicInteger();

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
        // All servers listen on one port. Vert.x shares a random port among servers that ask for the same
        // negative port, so 0 becomes a negative number of this router's own.
        int instances = parts.config().serverInstances();
        int listenPort = parts.config().port() != 0 || instances == 1 ? parts.config().port() : RANDOM_PORT_KEYS.decrementAndGet();
        List<ServerVerticle> servers = new CopyOnWriteArrayList<>();
        return vertx.deployVerticle(() -> {
            ServerVerticle server = new ServerVerticle(parts, listenPort);
            servers.add(server);
            return server;
        }, new DeploymentOptions().setInstances(instances)).map(id -> {
            deployments.add(id);
            port = servers.getFirst().actualPort();
            return null;
        });
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
