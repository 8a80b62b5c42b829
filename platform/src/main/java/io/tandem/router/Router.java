package io.tandem.router;

import io.micrometer.core.instrument.FunctionCounter;
import io.tandem.http.ClientConnections;
import io.tandem.metrics.Metrics;
import io.tandem.model.ChangeFeed;
import io.tandem.router.overload.Admissions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * The router role: serves HTTP triggers and {@code /function/<name>} on one port, streaming each request to an
 * instance of its function under the function's fault-tolerance strategy.
 *
 * <p>What an instance sees. Through {@code /function/<name>/<rest>} (every function, with or without a trigger)
 * the path is {@code /<rest>}, or {@code /}. Through a trigger it is the path as the client sent it, as Fission
 * does, with each {@code {param}} of the trigger's path in a header {@code X-Tandem-Param-<name>} (the raw
 * segment, still percent-encoded). The query string passes unchanged. Headers: see {@link ForwardedHeaders}.
 *
 * <p>The Lambda Invoke API ({@code POST /2015-03-31/functions/<name>/invocations}, once {@link #lambdaApi} is set):
 * AWS clients call a function with a signed request whose body is the event; it takes the same stages as
 * {@code /function/<name>}, answered in Lambda's shapes (see {@link LambdaRoutes}).
 *
 * <p>Paths under {@code /_/} (the instance protocol's) are never forwarded, however spelt: 404.
 *
 * <p>Matching: an exact path beats one with parameters (more literal segments first), which beats a prefix
 * ({@code /x/*}, longest first); among equals a named method beats {@code *}. No match, or a trigger whose
 * function does not exist, is 404. Every answer the router makes itself is JSON {@code {"error", "detail"}}.
 *
 * <p>Bodies stream both ways with back-pressure and are never held, except under {@code active-standby} and
 * {@code replicate}, which keep the request body (within the limit) to send it more than once. A declared
 * {@code Content-Length} over {@link RouterConfig#maxBodyBytes()} is refused with 413 before an instance is
 * chosen; a chunked body is counted as it passes and cut with 413 when it goes over (or the response is reset,
 * if it had already started).
 *
 * <p>Replay: a streamed body is not read until an attempt has a connection, so every dial failure (refused,
 * connect timeout) can be retried with the request unchanged; once it flows it is gone, so a connection lost
 * after sending is retried only for idempotent functions and requests whose body is kept or empty. The function's
 * own response, 5xx included, is never retried; a 503 with {@code X-Tandem-Fenced: true} is the instance's
 * refusal, not the function's answer, and is. The function's timeout bounds the time to the response head (cold
 * start, retries and waiting for a failover included) and answers 504.
 *
 * <p>Headers the router adds: {@code X-Tandem-Epoch} to an instance whose endpoint has an epoch (active-standby);
 * {@code X-Tandem-Attempts: n} to the client when the request was sent n > 1 times (replicas sent together
 * count once); {@code X-Tandem-Instance: <instance id>@<node>} to the client, naming the instance that answered.
 *
 * <p>Threads: {@link RouterConfig#serverInstances()} event loops each run a {@link ServerVerticle} (server plus
 * its own client pool) on the shared port and own every request they accept, which takes the path that
 * {@code requestPath} assembles for that loop. The change feed's thread publishes
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
    private final InstanceSource source;
    private final RouterConfig config;
    private final Metrics metrics;
    // Shared by every event loop; each is thread-safe.
    private final Routes routes = new Routes();
    private final EndpointTable endpoints;
    private final ColdStarts coldStarts;
    /** Records into the registry, or nothing when the config turns request metrics off. */
    private final RequestMetrics requests;
    /** The calls of functions with concurrency limits. */
    private final InFlight inFlight = new InFlight();
    /** Every function's learnt concurrency limit and queue. */
    private final Admissions admissions;
    private final StrategyChoice strategies = new StrategyChoice();
    /** Where async calls go, set once the process has made it. */
    private final AtomicReference<AsyncGateway> async = new AtomicReference<>(AsyncGateway.NONE);
    /** What the Lambda Invoke API needs, once the process has set it; until then its paths are not served. */
    private final AtomicReference<LambdaApi> lambda = new AtomicReference<>();
    private final AdminRoutes admin;
    /** Connections per remote address on the public port, and on the loopback one. */
    private final ClientConnections clients;
    private final ClientConnections localClients;
    private final List<String> deployments = new CopyOnWriteArrayList<>();
    private volatile int port = -1;
    private volatile int internalPort = -1;
    private AutoCloseable subscription;
    private long trafficTimer = -1;

    /** How often the router tells the executor which functions served warm requests. */
    static final long TRAFFIC_REPORT_MILLIS = 1000;

    /** A router with a registry of its own. */
    public Router(Vertx vertx, ChangeFeed feed, InstanceSource source, RouterConfig config) {
        this(vertx, feed, source, config, Metrics.create());
    }

    /**
     * A router that records into, and serves on {@code /metrics}, the process's registry {@code metrics}, which
     * may hold other roles' meters too (the executor's, in the server).
     */
    public Router(Vertx vertx, ChangeFeed feed, InstanceSource source, RouterConfig config, Metrics metrics) {
        this(vertx, feed, source, new EndpointTable(), config, metrics);
    }

    /** A router reading {@code endpoints}, made before the executor that fills it. */
    public Router(Vertx vertx, ChangeFeed feed, InstanceSource source, EndpointTable endpoints, RouterConfig config, Metrics metrics) {
        this.vertx = vertx;
        this.feed = feed;
        this.source = source;
        this.config = config;
        this.metrics = metrics;
        this.endpoints = endpoints;
        this.coldStarts = new ColdStarts(source);
        this.requests = config.requestMetrics() ? RequestMetrics.on(metrics.registry()) : RequestMetrics.off();
        this.admissions = new Admissions(vertx, config.maxConnections(), metrics.registry());
        this.admin = new AdminRoutes(vertx, feed, metrics);
        this.clients = ClientConnections.capped(config.connectionsPerClient());
        this.localClients = ClientConnections.capped(config.connectionsPerClient());
        FunctionCounter.builder("tandem.router.connections.refused", this, r -> r.clients.refused() + r.localClients.refused())
                .description("Connections closed at once because their client already held the most it may (--max-client-connections)")
                .register(metrics.registry());
    }

    /**
     * What a request meets on the event loop whose HTTP client is {@code client}, top to bottom: the router's own
     * paths, the async API, the Lambda Invoke API (whose synchronous calls take the same stages), then routing to a
     * function and the stages of the call: metrics around the whole, the
     * body limit, the function's concurrency cap, admission, and the relay of the invocation, which chooses the
     * function's strategy, whose attempts go out through the HTTP transport.
     */
    private Handler<HttpServerRequest> requestPath(HttpClient client) {
        RequestMetrics.Recorder recorder = requests.recorder();
        IntConsumer unrouted = recorder == null ? code -> { } : recorder::unrouted;
        CallStage toFunction =
                new BodyLimit(config.maxBodyBytes(),
                        new ConcurrencyCap(inFlight, endpoints,
                                new Admitted(vertx, admissions,
                                        new Relay(config.maxBodyBytes(),
                                                new Invocations(vertx, endpoints, coldStarts, strategies, config.maxBodyBytes(),
                                                        new HttpTransport(client, config.poolWait()))))));
        if (recorder != null) toFunction = new Metered(recorder, toFunction);
        AsyncRoutes asyncRoutes = new AsyncRoutes(vertx, routes, async::get, unrouted);
        LambdaRoutes lambdaRoutes = new LambdaRoutes(vertx, routes, feed, lambda::get, async::get, unrouted, config.maxBodyBytes(), toFunction);
        RequestPath routed = new RequestPath(vertx, routes, feed, unrouted, toFunction);
        return req -> {
            if (admin.serve(req) || asyncRoutes.serve(req) || lambdaRoutes.serve(req)) return;
            routed.handle(req);
        };
    }

    /** Subscribes to the change feed and listens; completes once the port accepts connections. */
    public Future<Void> start() {
        subscription = feed.subscribe(routes);
        // All servers listen on one port. Vert.x shares a random port among servers that ask for the same
        // negative port, so 0 becomes a negative number of this router's own.
        int instances = config.serverInstances();
        int listenPort = config.port() != 0 || instances == 1 ? config.port() : RANDOM_PORT_KEYS.decrementAndGet();
        int localPort = config.tls() == null ? -1 : instances == 1 ? 0 : RANDOM_PORT_KEYS.decrementAndGet();
        List<ServerVerticle> servers = new CopyOnWriteArrayList<>();
        return vertx.deployVerticle(() -> {
            ServerVerticle server = new ServerVerticle(config, listenPort, localPort, clients, localClients, this::requestPath);
            servers.add(server);
            return server;
        }, new DeploymentOptions().setInstances(instances)).map(id -> {
            deployments.add(id);
            port = servers.getFirst().actualPort();
            internalPort = servers.getFirst().actualLocalPort();
            trafficTimer = vertx.setPeriodic(TRAFFIC_REPORT_MILLIS, t -> endpoints.drainUsed().forEach(source::recordTraffic));
            return (Void) null;
        }).onFailure(failure -> closeSubscription());
    }

    /** The port the router listens on; valid after {@link #start()} completed. */
    public int port() {
        return port;
    }

    /**
     * Where this machine's own callers reach the router in plain HTTP on 127.0.0.1: a port of its own when the public
     * one serves TLS, else {@link #port()}. Valid after {@link #start()} completed.
     */
    public int internalPort() {
        return internalPort < 0 ? port : internalPort;
    }

    /** The registry served on {@code /metrics}. */
    public Metrics metrics() {
        return metrics;
    }

    /** Sends {@code POST /async-function/...} and {@code GET /async-calls/...} to {@code gateway} from now on. */
    public void asyncGateway(AsyncGateway gateway) {
        async.set(gateway);
    }

    /**
     * Serves the Lambda Invoke API ({@code POST /2015-03-31/functions/<name>/invocations}, see {@link LambdaRoutes})
     * from now on, with {@code api}'s secret, logs and clock.
     */
    public void lambdaApi(LambdaApi api) {
        lambda.set(api);
    }

    /** Every function's admission, for tests of this package. */
    Admissions admissions() {
        return admissions;
    }

    /** The calls in flight of functions with concurrency limits, for tests of this package. */
    InFlight inFlight() {
        return inFlight;
    }

    /** The routing table the executor pushes warm endpoints into. Thread-safe and non-blocking. */
    public WarmEndpoints endpoints() {
        return endpoints;
    }

    /** Stops listening and unsubscribes; requests in flight are cut. */
    public Future<Void> stop() {
        closeSubscription();
        if (trafficTimer >= 0) vertx.cancelTimer(trafficTimer);
        List<Future<Void>> undeployed = new ArrayList<>();
        for (String id : deployments) undeployed.add(vertx.undeploy(id));
        deployments.clear();
        return Future.join(undeployed).mapEmpty();
    }

    private void closeSubscription() {
        try {
            if (subscription != null) subscription.close();
        } catch (Exception e) {
            // Closing a subscription only stops deliveries; nothing to recover.
        }
    }
}
