package io.tandem.executor;

import io.tandem.agent.NodeRegistration;
import io.tandem.executor.deploy.ReplicaPlanner;
import io.tandem.executor.deploy.ReplicaReconciler;
import io.tandem.executor.pool.PoolReconciler;
import io.tandem.executor.pool.IdleReaper;
import io.tandem.executor.pool.WarmPool;
import io.tandem.executor.standby.StandbyPlanner;
import io.tandem.home.TandemHome;
import io.tandem.model.ChangeFeed;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Endpoint;
import io.tandem.model.LogQuery;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places instances on nodes and keeps them there: warm pools per environment (poolmgr), replicas per function
 * (newdeploy), and the failure handling under both.
 *
 * <p><b>Threading.</b> Every piece of state (nodes, instances, functions, pools) is changed only on one Vert.x
 * event-loop context, the executor's own verticle, so no method needs a lock. Public methods may be called from any
 * thread: the ones that change something hop onto that context; {@link #status()} and {@link #functionStatus}
 * read the concurrent maps directly and may see a state a few microseconds old.
 *
 * <p><b>Model.</b> What the executor knows is its {@link Cluster}. Agents register with {@link NodeMembership}
 * ({@code POST {url()}/v1/nodes}, served by {@link ExecutorRoutes}), which holds their event streams ({@link
 * AgentClient#events}): heartbeats keep a node alive, a dropped stream or {@code heartbeatMisses} missed heartbeats
 * kill it ({@link FailureDetector}), and an {@code exited} event drops the instance at once. Deciding is kept apart
 * from acting: {@link WarmPool}, {@link IdleReaper}, {@link ReplicaPlanner}, {@link StandbyPlanner} and {@link
 * NodeSelector} decide; the reconcilers ({@link PoolReconciler}, {@link ReplicaReconciler}, {@link PairSupervisor})
 * carry the decisions out through {@link InstanceLauncher}, which launches, specializes and stops through the
 * agents; {@link InstanceLoss} handles every instance lost unasked and {@link Publication} tells the router. This
 * class wires them (sharing an {@link ExecutorContext}), hands the change feed to {@link FeedChanges} and the
 * router's calls to {@link RouterRequests}. A periodic tick (every heartbeat interval) re-checks heartbeats, reaps
 * idle instances and runs {@link Reconciliation} over pools, replicas and pairs, so back-off retries need no timers.
 *
 * <p><b>Events.</b> What explains a move of traffic (a node joined or died, an instance became ready, exited, was
 * replaced, reaped, reported unreachable) goes to the {@link EventSink} as a {@link ClusterEvent}, on this
 * context and stamped with the config's clock. Emitting never waits and never fails this class: see {@link ClusterEvents}.
 *
 * <p><b>Idleness.</b> The router does not call the executor on warm requests, so the executor measures idleness
 * from the last {@link #acquire} of the instance or the last {@link #recordTraffic} for its function; until the
 * router reports traffic, a busy poolmgr function is reaped after its idle timeout and cold-starts again.
 */
public final class Executor {
    private static final Logger log = LoggerFactory.getLogger(Executor.class);

    private final ExecutorContext ctx;
    private final ExecutorConfig config;
    private final Cluster cluster;
    private final TandemHome home;
    private final Vertx vertx;
    private final ChangeFeed feed;
    private final ExecutorMetrics metrics;
    private final String token;
    private final LaunchFailures failures;
    private final InstanceLauncher launcher;
    private final RecoveryPacing recovery;
    private final PoolReconciler pools;
    private final Publication publication;
    private final PairSupervisor pairs;
    private final Reconciliation reconciliation;
    private final NodeMembership membership;
    private final FeedChanges changes;
    private final RouterRequests requests;
    private final ChildAgents localAgents = new ChildAgents();
    private volatile Supplier<Object> traffic;

    private String deploymentId;
    private HttpServer server;
    private HttpClient agentHttp;
    /** Probes pair members: short timeouts, a few connections per instance. */
    private HttpClient probeHttp;
    private AutoCloseable subscription;
    private long timer = -1;

    /**
     * An executor of {@code home}'s installation on {@code vertx}, applying {@code feed} and telling the router
     * through {@code publisher}; events and metrics are discarded and agents reached over HTTP unless the builder
     * says otherwise.
     */
    public static ExecutorBuilder builder(TandemHome home, Vertx vertx, ChangeFeed feed, EndpointPublisher publisher, ExecutorConfig config) {
        return new ExecutorBuilder(home, vertx, feed, publisher, config);
    }

    Executor(ExecutorBuilder parts) {
        this.config = parts.config;
        this.ctx = new ExecutorContext(parts.vertx, config, new ClusterEvents(parts.events, config.clock()), parts.metrics);
        this.cluster = ctx.cluster();
        this.home = parts.home;
        this.vertx = parts.vertx;
        this.feed = parts.feed;
        this.metrics = parts.metrics;
        this.token = home.ensureToken();
        ClusterEvents events = ctx.events();
        Hooks hooks = new Hooks();
        InstanceLoss loss = new InstanceLoss(cluster, events, metrics, config.clock(), config.crashWindow(), config.failureMemory(), hooks);
        this.failures = new LaunchFailures(config.clock(), config.loadBackoff(), config.failureMemory(), events);
        this.launcher = new InstanceLauncher(cluster, config, events, metrics, failures, loss, hooks);
        this.publication = new Publication(cluster, parts.publisher);
        this.recovery = new RecoveryPacing(config.processes());
        FirstCalls firstCalls = new FirstCalls();
        this.pools = new PoolReconciler(new WarmPools(cluster, events, failures, launcher, recovery, firstCalls));
        this.pairs = new PairSupervisor(cluster, config, events, metrics, launcher, loss, publication, hooks, vertx, () -> probeHttp);
        this.reconciliation = new Reconciliation(ctx, pools, pairs, launcher);
        ColdStarts coldStarts = new ColdStarts(cluster, config, publication, launcher, hooks, firstCalls);
        this.requests = new RouterRequests(ctx, feed, coldStarts, pairs, loss, recovery);
        AgentConnector connector = parts.connector != null ? parts.connector : reg -> new HttpAgentClient(agentHttp, reg.url(), token);
        this.membership = new NodeMembership(cluster, config, events, metrics, loss, publication, connector, reconciliation);
        this.changes = new FeedChanges(cluster, failures, launcher, publication, membership, reconciliation, requests::functionArrived);
    }

    // ---- lifecycle ---------------------------------------------------------------------------------------

    /** Binds the registration endpoint, subscribes to the change feed and starts the periodic tick. */
    public Future<Void> start() {
        Promise<Void> started = Promise.promise();
        vertx.deployVerticle(new AbstractVerticle() {
            @Override
            public void start(Promise<Void> p) {
                ctx.bind(context);
                agentHttp = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000),
                        new PoolOptions().setHttp1MaxSize(64));
                probeHttp = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(1000).setKeepAlive(true),
                        new PoolOptions().setHttp1MaxSize(2));
                new ExecutorRoutes(token, config.clock(), Executor.this).listen(vertx, config.host(), config.port()).onSuccess(s -> {
                    server = s;
                    subscription = feed.subscribe(change -> ctx.later(() -> changes.apply(change)));
                    timer = vertx.setPeriodic(config.heartbeatInterval().toMillis(), id -> tick());
                    p.complete();
                }).onFailure(p::fail);
            }
        }).onSuccess(id -> {
            deploymentId = id;
            started.complete();
        }).onFailure(started::fail);
        return started.future();
    }

    /** Where agents register: {@code POST {url}/v1/nodes}. */
    public String url() {
        return "http://" + config.host() + ":" + server.actualPort();
    }

    /** Stops every instance on every live node, then the agents it spawned, then the registration endpoint. */
    public Future<Void> stop() {
        Promise<Void> done = Promise.promise();
        onContext(() -> {
            ctx.beginStopping();
            if (timer >= 0) vertx.cancelTimer(timer);
            pairs.stop();
            closeQuietly(subscription);
            List<Future<Void>> stops = new ArrayList<>();
            for (Instance i : cluster.instances()) {
                Node n = cluster.node(i.node);
                i.state = InstanceState.STOPPING;
                if (n != null && n.alive) stops.add(n.client.stop(i.id).otherwiseEmpty());
            }
            Future.join(stops).otherwiseEmpty().onComplete(ar -> {
                cluster.clearInstances();
                cluster.nodes().forEach(n -> n.client.close());
                stopLocalAgents()
                        .compose(v -> server == null ? Future.<Void>succeededFuture() : server.close())
                        .compose(v -> deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId))
                        .onComplete(x -> done.complete());
            });
        });
        return done.future();
    }

    /** SIGTERM to the agents this executor spawned (they stop their instances), SIGKILL after 5 s. */
    private Future<Void> stopLocalAgents() {
        return Future.fromCompletionStage(localAgents.stop(), ctx.context()).mapEmpty();
    }

    /**
     * Spawns {@code n} agents n1..nN as child processes of this JVM (see {@link LocalAgents}) and blocks until all
     * registered, up to 30 s. Never call it on an event loop.
     */
    public List<Process> startLocalAgents(int n) {
        return localAgents.start(home, url(), n, cluster::isAlive);
    }

    // ---- what the router asks on its cold path (the server adapts these to router.InstanceSource) ----------

    /** An endpoint serving {@code function}, specializing or launching an instance if none is ready. Any thread. */
    public CompletableFuture<Endpoint> acquire(String function) {
        return requests.acquire(function);
    }

    /**
     * The router saw a send to {@code endpoint} fail in a way a slow instance can cause too: a suspicion to confirm,
     * never a verdict on its own. Any thread.
     */
    public void reportSuspect(Endpoint endpoint, String why) {
        requests.reportSuspect(endpoint, why);
    }

    /**
     * What is still warming up, as "2 of 4 warm instances ready", or null once every environment's pool is full and
     * ready on every live node and no instance is starting: then a function deployed now is served at warm speed.
     * Any thread (reads the concurrent maps).
     */
    public String warmingUp() {
        return StatusView.warmingUp(cluster);
    }

    /**
     * A request that waited for a cold start of {@code endpoint} got its answer, or ended without one: its node's warm
     * pool, held back meanwhile, may refill. Any thread.
     */
    public void coldCallEnded(Endpoint endpoint) {
        requests.coldCallEnded(endpoint);
    }

    /** The router's connection to {@code endpoint} was refused: drop and replace it. Any thread. */
    public void reportUnreachable(Endpoint endpoint) {
        requests.reportUnreachable(endpoint);
    }

    /** The router saw traffic for {@code function}: its instances are not idle. Any thread. */
    public void recordTraffic(String function) {
        requests.recordTraffic(function);
    }

    // ---- reconciling -------------------------------------------------------------------------------------

    /** When {@link #tick} last ran; executor context only. */
    private Instant lastTick;

    /** Heartbeat check, idle reaping and reconciliation; runs every heartbeat interval on the executor's context. */
    Future<Void> tick() {
        Promise<Void> done = Promise.promise();
        onContext(() -> {
            Instant now = config.clock().instant();
            Instant previousCheck = lastTick == null ? now : lastTick;
            lastTick = now;
            membership.checkHeartbeats(now, previousCheck);
            pools.reapIdle(now);
            pairs.tick(now);
            reconciliation.reconcileAll();
            done.complete();
        });
        return done.future();
    }

    /** Adds (or replaces) a node and opens its event stream; leftovers the agent still runs are stopped. */
    Future<Void> register(NodeRegistration reg) {
        Promise<Void> done = Promise.promise();
        onContext(() -> membership.register(reg).onComplete(ar -> done.complete()));
        return done.future();
    }

    // ---- the view of the cluster that the controller's API shows ------------------------------------------

    /**
     * Rebuilds the executor's gauges (instances, pools, node liveness) from a snapshot of its state. Any thread:
     * the scraping thread calls it before each scrape.
     */
    public void refreshMetrics() {
        metrics.refresh(status(), StatusView.poolSizes(cluster));
    }

    /** Nodes, instances and warnings, for the cluster view and the metrics. Any thread (reads the concurrent maps). */
    public ExecutorStatus.Cluster status() {
        return StatusView.cluster(cluster, publication);
    }

    /** The function's status with its instances, or null when this executor knows nothing of it. Any thread. */
    public ExecutorStatus.Function functionStatus(String function) {
        return StatusView.function(cluster, publication, function);
    }

    /**
     * What {@code GET /v1/cluster/traffic} answers: the recent traffic per function, kept by the process that runs
     * the router (the console's chart). Set once, before the console asks; read on the executor's context.
     */
    public void trafficSource(Supplier<Object> source) {
        this.traffic = source;
    }

    /** What {@link #trafficSource} supplies, or an empty map before it is set. */
    Object traffic() {
        Supplier<Object> source = traffic;
        return source == null ? Map.of() : source.get();
    }

    /**
     * Writes the function's log lines that {@code query} selects, from every live node, to {@code response} (see
     * {@link LogFanIn}). Any thread.
     */
    public Future<Void> streamLogs(String function, LogQuery query, HttpServerResponse response) {
        Promise<Void> done = Promise.promise();
        onContext(() -> LogFanIn.stream(cluster.liveNodes(), function, query, response).onComplete(ar -> done.complete()));
        return done.future();
    }

    /**
     * The lines of {@code function}'s log on {@code node} that {@code query} selects, oldest first (never
     * following); fails when the node is not live or does not answer. Any thread.
     */
    public CompletableFuture<List<io.tandem.model.LogRecord>> nodeLog(String node, String function, LogQuery query) {
        CompletableFuture<List<io.tandem.model.LogRecord>> lines = new CompletableFuture<>();
        onContext(() -> {
            Node n = cluster.liveNodes().stream().filter(x -> x.name.equals(node)).findFirst().orElse(null);
            if (n == null) {
                lines.completeExceptionally(new IllegalStateException("node " + node + " is not live"));
                return;
            }
            List<io.tandem.model.LogRecord> read = new ArrayList<>();
            n.client.log(function, query.withFollow(false), read::add, () -> { }, Promise.<Void>promise().future())
                    .onComplete(ar -> {
                        if (ar.succeeded()) lines.complete(read);
                        else lines.completeExceptionally(ar.cause());
                    });
        });
        return lines;
    }

    /**
     * What the parts ask of this executor: {@link InstanceLoss}, {@link InstanceLauncher} (and {@link ColdStarts}) and
     * {@link PairSupervisor}. Called on the executor's context.
     */
    private final class Hooks implements InstanceLoss.Reactions, InstanceLauncher.Followups, PairSupervisor.Pacing {
        @Override
        public void onContext(Runnable r) {
            ctx.onContext(r);
        }

        @Override
        public void later(Runnable r) {
            ctx.later(r);
        }

        @Override
        public boolean stopping() {
            return ctx.stopping();
        }

        @Override
        public boolean deferred(String what, Instant now) {
            return recovery.deferred(what, now);
        }

        @Override
        public void stop(Instance i) {
            if (!i.stopping()) launcher.retire(i);
        }

        @Override
        public Instant leaseUntil(FunctionState fs, Instance i) {
            return pairs.leaseUntil(fs, i);
        }

        @Override
        public void memberReady(FunctionState fs, Instance i) {
            pairs.memberReady(fs, i);
        }

        @Override
        public void republish(String function) {
            publication.republish(function);
        }

        @Override
        public void reconcileFunction(FunctionState fs) {
            reconciliation.reconcileFunction(fs);
        }

        @Override
        public void reconcilePools() {
            reconciliation.reconcilePools();
        }

        @Override
        public void crashLoop(FunctionState fs, String why) {
            failures.failed(fs, new ExecutorException(why));
        }

        @Override
        public void poolFailure(String environment, String why) {
            failures.poolFailed(environment, why);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private void onContext(Runnable r) {
        ctx.onContext(r);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            log.debug("closing the change feed subscription: {}", e.toString());
        }
    }
}
