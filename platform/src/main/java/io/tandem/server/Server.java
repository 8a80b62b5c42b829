package io.tandem.server;

import io.tandem.client.WatchFeed;
import io.tandem.controller.Controller;
import io.tandem.executor.EndpointPublisher;
import io.tandem.executor.EventUplink;
import io.tandem.executor.Executor;
import io.tandem.executor.ExecutorConfig;
import io.tandem.executor.ExecutorMetrics;
import io.tandem.home.ServerInfo;
import io.tandem.home.TandemHome;
import io.tandem.http.EventLoops;
import io.tandem.http.Tls;
import io.tandem.metrics.Metrics;
import io.tandem.metrics.TrafficHistory;
import io.tandem.model.ClusterEvent;
import io.tandem.router.EndpointTable;
import io.tandem.router.InstanceSource;
import io.tandem.router.LambdaApi;
import io.tandem.router.Router;
import io.tandem.router.RouterConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.BindException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tandem server}: the router and the executor in this process; the controller and the local agents as child
 * processes. The controller runs apart so that it can die and come back while every deployed function keeps serving
 * and failing over: the router and the executor read its changes over HTTP ({@link WatchFeed}), keep the last state
 * they saw while it is away and resume after the last revision when it is back; the executor's events wait in an
 * {@link EventUplink} meanwhile; {@link ControllerProcess} restarts it on the same port.
 *
 * <p>The roles meet here: the router asks the executor for cold instances ({@link InstanceSource}, in process), the
 * executor pushes warm endpoints to the router ({@link EndpointPublisher}), and the controller's API reads the
 * executor's view of the cluster from the executor's own port ({@code /v1/cluster}). Time triggers, message queue
 * triggers and async calls run from here too ({@link Triggers}), through the router, so they keep firing while the
 * controller restarts.
 *
 * <p>{@link #start} and {@link #stop} may be called from any thread; stop is idempotent.
 */
public final class Server {
    private static final Logger log = LoggerFactory.getLogger(Server.class);

    private final ServerConfig config;
    private final Addresses addresses;
    private final Vertx vertx;
    private final WatchFeed feed;
    private final HeldFeed executorFeed;
    private final EventUplink events;
    private final Router router;
    private final Executor executor;
    private final int apiPort;
    private volatile ControllerProcess controller;
    private final Triggers triggers;
    private final Object infoLock = new Object();
    private ServerInfo info; // guarded by infoLock
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;

    /** Start failed; the message says why and what to do (a port in use, a server already running). */
    public static final class StartException extends RuntimeException {
        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Server(ServerConfig config, Addresses addresses, Vertx vertx, WatchFeed feed, HeldFeed executorFeed, EventUplink events,
                   Router router, Executor executor) {
        this.config = config;
        this.addresses = addresses;
        this.vertx = vertx;
        this.feed = feed;
        this.executorFeed = executorFeed;
        this.events = events;
        this.router = router;
        this.executor = executor;
        this.apiPort = addresses.apiPort();
        this.triggers = new Triggers(config, vertx, feed, events);
    }

    /**
     * Starts every role and the local agents; returns once the controller answers, the router serves what the
     * controller holds and the agents have joined. The controller's JVM boots while the agents do.
     */
    public static Server start(ServerConfig config) {
        TandemHome home = config.home();
        ServerConfig.Transport transport = transport(config);
        PreviousServer.refuseIfRunning(home);
        Addresses addresses = Addresses.choose(config, transport);
        Server server = build(config, addresses);
        server.startRoles();
        String warming = awaitWarm(server.executor, WARM_UP_LIMIT);
        server.startTriggers();
        server.announce(warming);
        return server;
    }

    /**
     * Builds the roles in dependency order, starting none: the routing table first, then the executor that fills
     * it, then the router that reads it and asks the executor for cold instances.
     */
    private static Server build(ServerConfig config, Addresses addresses) {
        Vertx vertx = EventLoops.create(EventLoops.Load.CALLS);
        URI localApi = URI.create(addresses.localApi());
        WatchFeed feed = new WatchFeed(localApi, addresses.token(), Duration.ofMillis(200));
        EventUplink events = new EventUplink(localApi, addresses.token(), EventUplink.DEFAULT_CAPACITY);
        // One registry for the process, served on the router's port: the router's meters and the executor's.
        Metrics metrics = Metrics.create();
        EndpointTable endpoints = new EndpointTable();
        HeldFeed executorFeed = new HeldFeed(feed);
        Executor executor = Executor.builder(config.home(), vertx, executorFeed, endpoints::publish,
                ExecutorConfig.defaults().withPackagesUrl(addresses.localApi())).events(events).metrics(new ExecutorMetrics(metrics.registry())).build();
        metrics.beforeScrape(executor::refreshMetrics);
        Router router = new Router(vertx, feed, new ExecutorInstances(executor), endpoints, RouterConfig.defaults().withHost(config.host())
                .withPort(config.routerPort()).withRequestMetrics(config.requestMetrics()).withTls(addresses.tls())
                .withConnectionsPerClient(config.edge().routerConnectionsPerClient()), metrics);
        router.lambdaApi(new LambdaApi(addresses.token(), new ExecutorLogs(executor), InstantSource.system()));
        // The console's traffic chart: the router's counters read every few seconds, off the request path.
        TrafficHistory traffic = new TrafficHistory(metrics.registry());
        traffic.sample(Instant.now());
        vertx.setPeriodic(TrafficHistory.STEP.toMillis(), id -> traffic.sample(Instant.now()));
        executor.trafficSource(traffic::snapshot);
        return new Server(config, addresses, vertx, feed, executorFeed, events, router, executor);
    }

    /**
     * Starts the executor, the controller, the feeds, the router and the local agents; returns once the router
     * serves what the controller holds. On failure stops whatever started and throws a {@link StartException}.
     */
    private void startRoles() {
        Future<Void> routerStarted = null;
        try {
            await(executor.start(), "the executor", vertx);
            controller = new ControllerProcess(config.home(), config.host(), apiPort, executor.url(),
                    new Controller.Listening(addresses.tls(), addresses.localApiPort(), config.edge().apiConnectionsPerClient()),
                    config.packageQuotaBytes(), System.getProperty("java.class.path"), new ControllerEvents());
            controller.start();
            // Both retry until the controller listens, so their first connection overlaps with its boot.
            feed.start();
            events.start();
            routerStarted = router.start(); // listens at once; the feed fills its routes when it syncs
            executor.startLocalAgents(config.nodes());
            // Only now: functions that reached the executor before its nodes joined would fail to be placed.
            executorFeed.release();
            awaitController();
            await(Future.fromCompletionStage(feed.synced()), "the controller's change feed", vertx);
            await(routerStarted, "the router on " + config.host() + ":" + config.routerPort(), vertx);
        } catch (RuntimeException e) {
            if (routerStarted != null) quietly(routerStarted); // so that stop finds it deployed
            stop();
            throw e;
        }
    }

    private void awaitController() {
        try {
            controller.awaitReady(Duration.ofSeconds(60));
        } catch (IllegalStateException e) {
            String reason = e.getMessage().contains("Address already in use") || e.getMessage().contains("BindException")
                    ? "the port is in use: pick another (tandem server --port N --api-port M)" : e.getMessage();
            throw new StartException("cannot start the controller API on " + config.host() + ":" + apiPort + ": " + reason, e);
        }
    }

    /** The router as clients elsewhere reach it. */
    private String routerUrl() {
        return Addresses.scheme(addresses.tls()) + "://" + config.host() + ":" + router.port();
    }

    /** The router as this machine's own callers reach it: in plain HTTP, on 127.0.0.1 when the public port is TLS. */
    private String localRouterUrl() {
        return addresses.tls() == null ? routerUrl() : "http://127.0.0.1:" + router.internalPort();
    }

    /** Starts the time triggers, the message queue triggers and the async calls, which all call the router. */
    private void startTriggers() {
        URI localRouter = URI.create(localRouterUrl());
        triggers.start(router, localRouter, List.of(URI.create(routerUrl()), localRouter, URI.create(addresses.api()),
                URI.create(addresses.localApi()), URI.create(executor.url())));
    }

    /** Writes {@code server.json} and tells the operator where everything is. */
    private void announce(String warming) {
        Tls tls = addresses.tls();
        String routerUrl = routerUrl();
        String api = addresses.api();
        publishInfo(new ServerInfo(api, routerUrl, executor.url(), ProcessHandle.current().pid(), Instant.now(),
                controller.pid(), tls == null ? null : tls.fingerprint(), tls == null ? null : localRouterUrl()));
        log.info("Tandem is ready: router {}  API {}  nodes {}  home {}", routerUrl, api, config.nodes(), config.home().root());
        if (warming != null) System.out.println("Tandem serves, still warming up after " + WARM_UP_LIMIT.toSeconds() + " s: " + warming
                + " (first calls may wait for an instance to start)");
        String curl = tls == null ? "curl " : "curl --cacert " + tls.cert() + " ";
        System.out.println("Tandem is ready.\n  router   " + routerUrl + "   (" + curl + routerUrl + "/function/NAME)\n  api      " + api
                + (tls == null ? "" : "\n  tls      SHA-256 " + tls.fingerprint() + "\n           " + tls.cert()
                        + "  (clients elsewhere: TANDEM_TLS_FINGERPRINT=" + tls.fingerprint() + ")")
                + (tls != null || ServerConfig.isLoopback(config.host()) ? ""
                        : "\n  WARNING  plain HTTP on " + config.host() + " (--insecure-plain-http): the API token crosses the network in clear text")
                + "\n  nodes    " + config.nodes() + "\n  home     " + config.home().root() + "\nStop with Ctrl-C.");
    }

    /** How to serve ({@link ServerConfig.Edge#transport}), decided before anything is touched. */
    private static ServerConfig.Transport transport(ServerConfig config) {
        try {
            return config.edge().transport(config.host());
        } catch (IllegalArgumentException e) {
            throw new StartException(e.getMessage(), e);
        }
    }

    /** The longest {@link #start} waits for warm pools before it says ready anyway, with what is still warming. */
    private static final Duration WARM_UP_LIMIT = Duration.ofSeconds(60);

    /**
     * Waits until the executor's warm pools are ready, so that "ready" means a function deployed now is served at warm
     * speed; says what is warming every few seconds. Returns null when warm, else what is still warming at the limit.
     */
    private static String awaitWarm(Executor executor, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        long nextReport = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        String warming = executor.warmingUp();
        while (warming != null && System.nanoTime() < deadline) {
            if (System.nanoTime() >= nextReport) {
                System.out.println("Tandem is warming up: " + warming);
                nextReport = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            }
            try {
                Thread.sleep(50); // polls the executor's own view; nothing to be notified of
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return warming;
            }
            warming = executor.warmingUp();
        }
        return warming;
    }

    public int routerPort() {
        return router.port();
    }

    public int apiPort() {
        return apiPort;
    }

    /** The pid of the controller process running now; 0 while it restarts. */
    public long controllerPid() {
        ControllerProcess c = controller;
        return c == null ? 0 : c.pid();
    }

    public Executor executor() {
        return executor;
    }

    public void awaitStop() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the timers (no new firings) and the message queue triggers (messages in flight are delivered again later)
     * and the router first (no new requests), then the executor with every
     * instance and agent, hands the controller the last events, then stops it.
     */
    public synchronized void stop() {
        if (stopping) return;
        stopping = true;
        log.info("stopping");
        triggers.stopFiring();
        quietly(router.stop());
        triggers.closeAsyncCalls(); // after the router: no call is taken that could not be stored
        quietly(executor.stop());
        try {
            if (controller != null && controller.pid() != 0) events.flush(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        events.close();
        feed.close();
        if (controller != null) controller.stop();
        ServerInfo.removeIfOwnedBy(config.home(), ProcessHandle.current().pid());
        quietly(vertx.close());
        stopped.countDown();
    }

    /**
     * Records each new controller pid in {@code server.json} (once that file exists), and each exit and restart as a
     * cluster event, which the uplink holds until the restarted controller takes it.
     */
    private final class ControllerEvents implements ControllerProcess.Listener {
        @Override
        public void started(long pid, int restart) {
            synchronized (infoLock) {
                if (info != null && !stopping) publishInfo(info.withControllerPid(pid));
            }
            if (restart > 0) {
                events.emit(ClusterEvent.of(Instant.now(), ClusterEvent.CONTROLLER_RESTARTED, null, null, null,
                        "controller restarted as pid " + pid + " (restart " + restart + ")"));
            }
        }

        @Override
        public void exited(long pid, int exitCode, Duration ran, Duration restartIn) {
            events.emit(ClusterEvent.of(Instant.now(), ClusterEvent.CONTROLLER_EXITED, null, null, null,
                    "controller (pid " + pid + ") exited with " + exitCode + " after " + ran.toMillis() + " ms; restarting it in "
                            + restartIn.toMillis() + " ms; deployed functions keep serving"));
        }
    }

    private void publishInfo(ServerInfo i) {
        synchronized (infoLock) {
            info = i;
            i.writeTo(config.home());
        }
    }

    private static <T> T await(Future<T> future, String what, Vertx vertx) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String reason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            if (reason.contains("Address already in use") || cause instanceof BindException) {
                reason = "the port is in use: pick another (tandem server --port N --api-port M)";
            }
            throw new StartException("cannot start " + what + ": " + reason, cause);
        }
    }

    private static void quietly(Future<?> f) {
        try {
            f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("while stopping: {}", e.toString());
        }
    }
}
