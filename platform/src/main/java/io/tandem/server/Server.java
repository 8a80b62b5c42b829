package io.tandem.server;

import io.tandem.controller.ClusterView;
import io.tandem.controller.Controller;
import io.tandem.executor.EndpointPublisher;
import io.tandem.executor.Executor;
import io.tandem.executor.ExecutorConfig;
import io.tandem.home.ServerInfo;
import io.tandem.home.TandemHome;
import io.tandem.model.Endpoint;
import io.tandem.router.InstanceSource;
import io.tandem.router.Router;
import io.tandem.router.RouterConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tandem server}: the controller, the router and the executor in this process, and the local agents as
 * child processes. The roles only meet here: the router asks the executor for cold instances
 * ({@link InstanceSource}), the executor pushes warm endpoints to the router ({@link EndpointPublisher}) and lends
 * its view of the cluster to the controller's API ({@link ClusterView}) and reports cluster events to the
 * controller's store ({@link io.tandem.executor.EventSink}); router and executor learn about functions from the
 * controller's change feed.
 *
 * <p>{@link #start} and {@link #stop} may be called from any thread; stop is idempotent.
 */
public final class Server {
    private static final Logger log = LoggerFactory.getLogger(Server.class);

    private final ServerConfig config;
    private final Vertx vertx;
    private final Controller controller;
    private final Router router;
    private final Executor executor;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;

    /** Start failed; the message says why and what to do (a port in use, a server already running). */
    public static final class StartException extends RuntimeException {
        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Server(ServerConfig config, Vertx vertx, Controller controller, Router router, Executor executor) {
        this.config = config;
        this.vertx = vertx;
        this.controller = controller;
        this.router = router;
        this.executor = executor;
    }

    /** Starts every role and the local agents; returns once the router serves and the agents have joined. */
    public static Server start(ServerConfig config) {
        TandemHome home = config.home();
        refuseIfRunning(home);
        home.ensureToken();
        Vertx vertx = Vertx.vertx();
        Forwarding forwarding = new Forwarding();
        Controller controller = new Controller(home, vertx, config.host(), config.apiPort(), forwarding);
        await(controller.start(), "the controller API on " + config.host() + ":" + config.apiPort(), vertx);
        String api = "http://" + config.host() + ":" + controller.port();
        Router router = new Router(vertx, controller.changes(), forwarding,
                RouterConfig.defaults().withHost(config.host()).withPort(config.routerPort()));
        Executor executor = new Executor(home, vertx, controller.changes(), router.endpoints()::publish, controller.events()::record,
                ExecutorConfig.defaults().withPackagesUrl(api));
        forwarding.executor = executor;
        Server server = new Server(config, vertx, controller, router, executor);
        try {
            await(executor.start(), "the executor", vertx);
            await(router.start(), "the router on " + config.host() + ":" + config.routerPort(), vertx);
            executor.startLocalAgents(config.nodes());
        } catch (RuntimeException e) {
            server.stop();
            throw e;
        }
        String routerUrl = "http://" + config.host() + ":" + router.port();
        new ServerInfo(api, routerUrl, executor.url(), ProcessHandle.current().pid(), Instant.now()).writeTo(home);
        log.info("Tandem is ready: router {}  API {}  nodes {}  home {}", routerUrl, api, config.nodes(), home.root());
        System.out.println("Tandem is ready.\n  router   " + routerUrl + "   (curl " + routerUrl + "/function/NAME)\n  api      " + api
                + "\n  nodes    " + config.nodes() + "\n  home     " + home.root() + "\nStop with Ctrl-C.");
        return server;
    }

    public int routerPort() {
        return router.port();
    }

    public int apiPort() {
        return controller.port();
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

    /** Stops the router first (no new requests), then the executor with every instance and agent, then the API. */
    public synchronized void stop() {
        if (stopping) return;
        stopping = true;
        log.info("stopping");
        quietly(router.stop());
        quietly(executor.stop());
        quietly(controller.stop());
        ServerInfo.removeIfOwnedBy(config.home(), ProcessHandle.current().pid());
        quietly(vertx.close());
        stopped.countDown();
    }

    private static void refuseIfRunning(TandemHome home) {
        ServerInfo.readFrom(home).ifPresent(info -> {
            if (info.pid() != ProcessHandle.current().pid() && ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false)) {
                throw new StartException("a Tandem server (pid " + info.pid() + ") already runs with TANDEM_HOME=" + home.root()
                        + ": stop it first, or set another TANDEM_HOME", null);
            }
        });
    }

    private static <T> T await(Future<T> future, String what, Vertx vertx) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String reason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            if (reason.contains("Address already in use") || cause instanceof java.net.BindException) {
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

    /**
     * Lets the controller and router be built before the executor exists (each needs the other): calls before the
     * executor is set see an empty cluster.
     */
    private static final class Forwarding implements InstanceSource, ClusterView {
        volatile Executor executor;

        @Override
        public CompletableFuture<Endpoint> acquire(String function) {
            Executor e = executor;
            return e == null ? CompletableFuture.failedFuture(new IllegalStateException("the executor is starting")) : e.acquire(function);
        }

        @Override
        public void reportUnreachable(Endpoint endpoint) {
            Executor e = executor;
            if (e != null) e.reportUnreachable(endpoint);
        }

        @Override
        public void recordTraffic(String function) {
            Executor e = executor;
            if (e != null) e.recordTraffic(function);
        }

        @Override
        public Object status() {
            Executor e = executor;
            return e == null ? java.util.Map.of("nodes", List.of(), "instances", List.of()) : e.status();
        }

        @Override
        public Object functionStatus(String function) {
            Executor e = executor;
            return e == null ? null : e.functionStatus(function);
        }

        @Override
        public Future<Void> streamLogs(String function, int tail, boolean follow, HttpServerResponse response) {
            Executor e = executor;
            if (e == null) {
                response.end();
                return Future.succeededFuture();
            }
            return e.streamLogs(function, tail, follow, response);
        }
    }
}
