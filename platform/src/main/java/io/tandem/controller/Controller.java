package io.tandem.controller;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.controller.store.ResourceStore;
import io.tandem.home.TandemHome;
import io.tandem.http.ApiException;
import io.tandem.http.BearerToken;
import io.tandem.http.ClientConnections;
import io.tandem.http.ErrorReply;
import io.tandem.http.HeadDeadline;
import io.tandem.http.Tls;
import io.tandem.metrics.Metrics;
import io.tandem.mqt.StatusBoard;
import io.tandem.timer.FiringJournal;
import io.tandem.model.ChangeFeed;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.InvalidResourceException;
import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.tandem.model.Metadata;
import io.tandem.model.Resource.Kind;
import io.tandem.packages.PackageStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller role: the durable store of environments, functions, triggers and code packages, its REST API
 * (described in {@code /v1/openapi.yaml}) with the change feed over HTTP ({@code GET /v1/watch}), and an in-process
 * {@link ChangeFeed} for tests and embedders. {@link ControllerMain} runs it as a process of its own.
 *
 * <p>Wiring only: the store ({@link ResourceStore}) owns consistency, {@link Admission} the rules, the route classes
 * the HTTP shapes. Call {@link #start()} once, then {@link #stop()}; thread-safe in between.
 */
public final class Controller {
    static final int JSON_BODY_LIMIT = 1 << 20;
    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    private final TandemHome home;
    private final Vertx vertx;
    private final String host;
    private final int requestedPort;
    private final ClusterView clusterView;
    private final PackageStore.Config packageConfig;
    private volatile ResourceStore store;
    private volatile PackageStore packages;
    private final Listening listening;
    private volatile PackageCollector collector;
    private volatile long collectionTimer = -1;
    private volatile HttpServer server;
    private volatile HttpServer localServer;
    private volatile WatchRoute watches;
    private volatile EventsRoute eventRoutes;
    private final EventRecorder events = new EventRecorder(EventRecorder.DEFAULT_CAPACITY);
    private final Metrics metrics = Metrics.create();
    private volatile QueueStatus queueStatus;
    private final ApiMetrics apiMetrics = new ApiMetrics(metrics, () -> store, events);
    /** True from listening until stop begins: what {@code /readyz} answers. */
    private volatile boolean ready;
    private BearerToken token;

    /** {@code clusterView} may be null (tests): status is then empty. Port 0 picks a free port. */
    public Controller(TandemHome home, Vertx vertx, String host, int port, ClusterView clusterView) {
        this(home, vertx, host, port, clusterView, PackageStore.DEFAULT_MAX_BYTES);
    }

    /** {@code maxPackageBytes}: the largest code package accepted (default {@value PackageStore#DEFAULT_MAX_BYTES}). */
    public Controller(TandemHome home, Vertx vertx, String host, int port, ClusterView clusterView, long maxPackageBytes) {
        this(home, vertx, host, port, clusterView, PackageStore.Config.defaults().withMaxPackageBytes(maxPackageBytes), Listening.plain());
    }

    /**
     * How the API faces its clients.
     *
     * @param tls                  the certificate to serve, or null for plain HTTP. With one, the API also listens in
     *                             plain HTTP on 127.0.0.1:{@code localPort} for this machine's own roles (the server's
     *                             change feed and event uplink, the agents fetching code), which need no certificate
     * @param localPort            that loopback port (0 for any); unused without TLS
     * @param connectionsPerClient most connections one remote address may hold open on each port, 0 for no cap
     */
    public record Listening(Tls tls, int localPort, int connectionsPerClient) {
        public static Listening plain() {
            return new Listening(null, 0, 0);
        }
    }

    /** On plain HTTP. */
    public Controller(TandemHome home, Vertx vertx, String host, int port, ClusterView clusterView, PackageStore.Config packages) {
        this(home, vertx, host, port, clusterView, packages, Listening.plain());
    }

    /** {@code packages}: what the package store accepts, its quota included (see {@link PackageStore.Config}). */
    public Controller(TandemHome home, Vertx vertx, String host, int port, ClusterView clusterView, PackageStore.Config packages, Listening listening) {
        this.listening = listening;
        this.home = home;
        this.vertx = vertx;
        this.host = host;
        this.requestedPort = port;
        this.clusterView = clusterView;
        this.packageConfig = packages;
    }

    /**
     * Opens the store, adds the built-in environments if absent, and listens; then collects unused code packages,
     * and again every {@link PackageCollector#DEFAULT_INTERVAL} (see {@link PackageCollector}).
     */
    public Future<Void> start() {
        return vertx.executeBlocking(() -> {
            token = new BearerToken(home.ensureToken());
            // The store first: its lock keeps a second controller on this home from touching the packages.
            store = ResourceStore.open(home.dataDir());
            packages = new PackageStore(home.packagesDir(), packageConfig);
            collector = new PackageCollector(store, packages, InstantSource.system(), PackageCollector.DEFAULT_GRACE, metrics.registry());
            addBuiltInEnvironments(store);
            events.start(store);
            return null;
        }).compose(v -> {
            Router routes = router();
            Tls tls = listening.tls();
            HttpServer api = listener(tls == null ? HeadDeadline.options() : tls.applyTo(HeadDeadline.options()), routes);
            if (tls == null) return api.listen(requestedPort, host);
            HttpServer local = listener(HeadDeadline.options(), routes);
            return api.listen(requestedPort, host).compose(s -> local.listen(listening.localPort(), "127.0.0.1").map(l -> {
                localServer = l;
                log.info("controller listening for this machine's roles on 127.0.0.1:{}", l.actualPort());
                return s;
            }));
        }).<Void>map(s -> {
            server = s;
            ready = true;
            log.info("controller listening on {}:{}{}", host, s.actualPort(), listening.tls() == null ? "" : " (TLS)");
            collectUnusedPackages();
            collectionTimer = vertx.setPeriodic(PackageCollector.DEFAULT_INTERVAL.toMillis(), id -> collectUnusedPackages());
            return null;
        }).onFailure(e -> {
            ResourceStore st = store;
            if (st != null) vertx.executeBlocking(() -> {
                st.close(); // so that a retry, or another controller, can open it
                return null;
            });
        });
    }

    private HttpServer listener(io.vertx.core.http.HttpServerOptions options, Router routes) {
        HttpServer s = vertx.createHttpServer(options);
        return s.requestHandler(HeadDeadline.install(vertx, s, HeadDeadline.DEFAULT_HEAD, HeadDeadline.DEFAULT_KEEP_ALIVE,
                ClientConnections.capped(listening.connectionsPerClient()), routes));
    }

    public int port() {
        HttpServer s = server;
        if (s == null) throw new IllegalStateException("the controller is not started");
        return s.actualPort();
    }

    /**
     * The in-process change feed; see {@link ChangeFeed}. {@code subscribe} blocks until the subscription is
     * registered with the store (a few milliseconds), so call it off the event loop when you can.
     */
    public ChangeFeed changes() {
        return listener -> {
            ResourceStore s = store;
            if (s == null) throw new IllegalStateException("the controller is not started");
            return s.subscribe(Optional.empty(), listener).join();
        };
    }

    /**
     * Where the cluster's events go to be stored and served on {@code GET /v1/events}. Events recorded before
     * {@link #start()} wait for it; see {@link EventRecorder} for what happens when the store falls behind.
     */
    public EventRecorder events() {
        return events;
    }

    public PackageStore packages() {
        return packages;
    }

    /**
     * Deletes the code packages no function refers to that are older than {@code minAge}, and returns their
     * SHA-256s. Runs inside a store transaction, so no function can start to use one meanwhile.
     */
    public Future<Set<String>> deleteUnusedPackages(Duration minAge) {
        return Future.fromCompletionStage(collector.collectStoredBefore(Instant.now().minus(minAge))).map(PackageStore.Collected::deleted);
    }

    PackageCollector collector() {
        return collector;
    }

    private void collectUnusedPackages() {
        collector.collect().whenComplete((c, e) -> {
            if (e != null && ready) log.warn("could not collect unused code packages; trying again in {}", PackageCollector.DEFAULT_INTERVAL, e);
        });
    }

    /** Stops listening, ends every watch and closes the store. */
    public Future<Void> stop() {
        ready = false;
        if (collectionTimer >= 0) vertx.cancelTimer(collectionTimer);
        HttpServer s = server;
        if (watches != null) watches.endAll();
        if (eventRoutes != null) eventRoutes.endAll();
        HttpServer l = localServer;
        Future<Void> closed = Future.join(s == null ? Future.succeededFuture() : s.close(), l == null ? Future.succeededFuture() : l.close()).mapEmpty();
        return closed.compose(v -> vertx.executeBlocking(() -> {
            events.stop();
            ResourceStore st = store;
            if (st != null) st.close();
            return null;
        }));
    }

    private static void addBuiltInEnvironments(ResourceStore store) {
        store.write(tx -> {
            for (Map.Entry<String, EnvironmentSpec> e : Admission.BUILT_IN_ENVIRONMENTS.entrySet()) {
                if (tx.get(Kind.ENVIRONMENT, e.getKey()).isEmpty()) tx.put(new Environment(Metadata.named(e.getKey()), e.getValue()));
            }
            return null;
        });
    }

    private Router router() {
        Router router = Router.router(vertx);
        queueStatus = new QueueStatus(StatusBoard.fileIn(home));
        router.route().handler(apiMetrics.handler());
        // Without the token: probes and Prometheus carry none, and these reveal no resource.
        router.get("/healthz").handler(ctx -> Replies.json(ctx, 200, Map.of("status", "ok")));
        router.get("/readyz").handler(ctx -> {
            if (ready) Replies.json(ctx, 200, Map.of("status", "ok"));
            else Replies.json(ctx, 503, Map.of("status", "not ready", "detail", "the controller is stopping"));
        });
        router.get("/metrics").handler(ctx -> vertx.executeBlocking(metrics::scrape, false).onFailure(ctx::fail)
                .onSuccess(text -> ctx.response().putHeader("Content-Type", Metrics.CONTENT_TYPE).end(text)));
        router.get("/v1/openapi.yaml").handler(this::openApi);
        ConsoleRoutes console = new ConsoleRoutes(vertx, home, store, clusterView);
        console.registerPage(router);
        router.route("/v1/*").handler(this::authenticate);
        BodyHandler jsonBody = BodyHandler.create(false).setBodyLimit(JSON_BODY_LIMIT);
        console.registerApi(router, jsonBody);
        new ResourceRoutes(vertx, store, new Admission(packages), clusterView,
                new TimerStatus(FiringJournal.fileIn(home), InstantSource.system(), ZoneId.systemDefault()), queueStatus).register(router, jsonBody);
        new PackageRoutes(vertx, packages, store).register(router);
        watches = new WatchRoute(vertx, store);
        watches.register(router);
        eventRoutes = new EventsRoute(vertx, store);
        eventRoutes.register(router, jsonBody);
        router.get("/v1/status").handler(this::status);
        router.get("/v1/functions/:name/logs").handler(this::logs);
        router.route().handler(ctx -> ErrorReply.send(ctx.response(), ApiException.notFound(
                "no API route " + ctx.request().method() + " " + ctx.request().path(), "see GET /v1/openapi.yaml for the routes")));
        router.route().failureHandler(this::failed);
        return router;
    }

    private void authenticate(RoutingContext ctx) {
        switch (token.check(ctx.request().getHeader("Authorization"))) {
            case VALID -> ctx.next();
            case MISSING -> {
                ctx.response().putHeader("WWW-Authenticate", "Bearer");
                ErrorReply.send(ctx.response(), new ApiException(401, "missing API token",
                        "send 'Authorization: Bearer TOKEN' with the token in " + home.tokenFile()));
            }
            case WRONG -> {
                ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                ErrorReply.send(ctx.response(), new ApiException(401, "wrong API token",
                        "use the token in " + home.tokenFile() + " of the server you are talking to (check TANDEM_HOME)"));
            }
        }
    }

    /** The executor's status, with this controller's process, so that chaos and {@code tandem status} can find it. */
    private void status(RoutingContext ctx) {
        Future<Object> cluster = clusterView == null
                ? Future.succeededFuture(Map.of("nodes", List.of(), "instances", List.of())) : clusterView.status();
        cluster.onFailure(ctx::fail).onSuccess(view -> {
            ObjectNode body = Json.MAPPER.valueToTree(view);
            body.putObject("controller").put("pid", ProcessHandle.current().pid());
            queueStatus.snapshot().ifPresent(s -> body.set("messageQueueTriggers", Json.MAPPER.valueToTree(s)));
            Replies.json(ctx, 200, body);
        });
    }

    private void logs(RoutingContext ctx) {
        String name = ResourceRoutes.pathName(ctx, Kind.FUNCTION);
        LogQuery query;
        try {
            query = LogQuery.parse(ctx.request()::getParam, Instant.now());
        } catch (InvalidResourceException e) {
            throw ApiException.badRequest("invalid log query: " + e.getMessage(), "see GET /v1/openapi.yaml");
        }
        Future.fromCompletionStage(store.submitRead(tx -> tx.get(Kind.FUNCTION, name).isPresent()), vertx.getOrCreateContext())
                .onFailure(ctx::fail).onSuccess(exists -> {
                    if (!exists) {
                        ErrorReply.send(ctx.response(), ResourceRoutes.notFound(Kind.FUNCTION, name));
                        return;
                    }
                    ctx.response().putHeader("Content-Type", query.json() ? "application/x-ndjson" : "text/plain; charset=utf-8");
                    if (clusterView == null) {
                        ctx.response().end();
                        return;
                    }
                    clusterView.streamLogs(name, query, ctx.response()).onFailure(e -> {
                        if (!ctx.response().headWritten()) ctx.fail(e);
                        else ctx.response().reset();
                    });
                });
    }

    private void openApi(RoutingContext ctx) {
        try (InputStream in = Controller.class.getResourceAsStream("/openapi.yaml")) {
            if (in == null) throw new IOException("openapi.yaml is not on the class path");
            ctx.response().putHeader("Content-Type", "application/yaml").end(Buffer.buffer(in.readAllBytes()));
        } catch (IOException e) {
            ctx.fail(e);
        }
    }

    private void failed(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure instanceof CompletionException && failure.getCause() != null) failure = failure.getCause();
        if (failure instanceof ApiException e) {
            ErrorReply.send(ctx.response(), e);
        } else if (ctx.statusCode() == 413) {
            ErrorReply.send(ctx.response(), new ApiException(413, "the request body is larger than the " + JSON_BODY_LIMIT + " bytes allowed for JSON",
                    "send one resource per request; code goes to POST /v1/packages"));
        } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500 && failure == null) {
            ErrorReply.send(ctx.response(), new ApiException(ctx.statusCode(), "bad request", "see GET /v1/openapi.yaml"));
        } else {
            log.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
            ErrorReply.send(ctx.response(), new ApiException(500, "internal error: " + (failure == null ? "unknown" : failure.getMessage()),
                    "see the server log; the request may be retried"));
        }
    }
}
