package io.tandem.executor;

import io.tandem.agent.InstanceInfo;
import io.tandem.agent.LaunchRequest;
import io.tandem.agent.SpecializeRequest;
import io.tandem.http.ApiException;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Environment;
import io.tandem.model.Function;
import io.tandem.model.Runtime;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Starts, specializes and stops instances through their nodes' {@link AgentClient}s, and keeps the cluster's record
 * of each in step: an instance is in the cluster from the moment its launch is asked, ready once its agent answers,
 * and gone once it is stopped. What a function needs next (its pair's member ready, its endpoints published, its
 * plan re-checked) is left to {@link Followups}.
 *
 * <p>On the executor's context only: every agent's answer is brought back to it before it touches the cluster.
 */
final class InstanceLauncher {
    /** What the executor does once this launcher changed an instance. On its context. */
    interface Followups {
        /** Runs {@code r} on the executor's context: now if already on it. */
        void onContext(Runnable r);

        /** Runs {@code r} on the executor's context after what runs now. */
        void later(Runnable r);

        /** Whether the executor is stopping: failures then are expected, not reported. */
        boolean stopping();

        /** A pair member of {@code fs} became ready. */
        void memberReady(FunctionState fs, Instance i);

        void republish(String function);

        void reconcileFunction(FunctionState fs);

        void reconcilePools();
    }

    private final Cluster cluster;
    private final ExecutorConfig config;
    private final ClusterEvents events;
    private final ExecutorMetrics metrics;
    private final LaunchFailures failures;
    private final InstanceLoss loss;
    private final Followups followups;
    private final String idTag = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private final AtomicLong ids = new AtomicLong();

    InstanceLauncher(Cluster cluster, ExecutorConfig config, ClusterEvents events, ExecutorMetrics metrics, LaunchFailures failures,
                     InstanceLoss loss, Followups followups) {
        this.cluster = cluster;
        this.config = config;
        this.events = events;
        this.metrics = metrics;
        this.failures = failures;
        this.loss = loss;
        this.followups = followups;
    }

    /** poolmgr's first call: specialize a warm instance, or launch one for the function when none is warm. */
    Future<Instance> coldStart(FunctionState fs, Environment env) {
        Optional<Instance> warm = servedFromPool(env, fs.fn) ? pickWarm(env.name()) : Optional.empty();
        return warm.isPresent() ? specialize(warm.get(), fs, env, Role.REPLICA) : launch(fs, env, Role.REPLICA, null);
    }

    private Optional<Instance> pickWarm(String environment) {
        Map<String, List<Instance>> warmByNode = cluster.warm(environment).stream().collect(Collectors.groupingBy(i -> i.node));
        if (warmByNode.isEmpty()) return Optional.empty();
        List<NodeSelector.NodeLoad> loads = cluster.loads().stream().filter(l -> warmByNode.containsKey(l.node())).toList();
        return config.placement().select(loads, Set.of()).map(node -> warmByNode.get(node).getFirst());
    }

    /** Starts a pair member on {@code node}: a warm instance there is specialized (tens of ms), else one is launched. */
    Future<Instance> startMember(FunctionState fs, Environment env, Role role, String node) {
        Optional<Instance> warm = !servedFromPool(env, fs.fn) ? Optional.empty() : cluster.warmOn(env.name(), node);
        if (warm.isEmpty()) return launch(fs, env, role, node);
        // Claimed now, so the next plan counts it as starting in its role.
        Instance w = warm.get();
        w.role = role;
        w.function = fs.name();
        w.generation = fs.generation(); // else the next plan takes it for an old revision's member and stops it
        w.state = InstanceState.STARTING;
        return specialize(w, fs, env, role);
    }

    /** Loads {@code fs} into the warm instance {@code warm}, which then serves it as {@code role}. */
    Future<Instance> specialize(Instance warm, FunctionState fs, Environment env, Role role) {
        Instant began = config.clock().instant();
        Node node = cluster.node(warm.node);
        Function fn = fs.fn;
        warm.state = InstanceState.SPECIALIZING;
        SpecializeRequest req = new SpecializeRequest(fn.name(), fn.spec().code(), fn.spec().entrypoint(),
                env.spec().command(), fn.spec().timeout(), config.packagesUrl(), fn.spec().memoryMegabytes(), fn.spec().cpuMillis(),
                fn.spec().variables());
        return whileAlive(node, node.client.specialize(warm.id, req)).transform(ar -> {
            if (!cluster.holds(warm)) {
                return Future.failedFuture(new ExecutorException("instance " + warm.id + " of function '" + fn.name() + "' went away while specializing"));
            }
            if (ar.succeeded()) {
                specialized(warm, fs, env, role, began);
                return Future.succeededFuture(warm);
            }
            if (ar.cause() instanceof NodeLost lost) return Future.failedFuture(new ExecutorException("function '" + fn.name() + "': " + lost.getMessage() + " while specializing it"));
            boolean loadFailure = ar.cause() instanceof ApiException a && a.status() == 422;
            if (loadFailure) { // the instance stays generic and goes back to the pool
                warm.role = Role.POOL;
                warm.function = null;
                warm.state = InstanceState.READY;
            }
            else stop(warm);
            return Future.failedFuture(failures.failed(fs, ar.cause()));
        });
    }

    private void specialized(Instance warm, FunctionState fs, Environment env, Role role, Instant began) {
        warm.function = fs.name();
        warm.role = role;
        warm.generation = fs.generation();
        warm.state = InstanceState.READY;
        warm.lastUsed = config.clock().instant();
        warm.readyAt = warm.lastUsed;
        events.emit(ClusterEvent.SPECIALIZED, fs.name(), warm.node, warm.id, "warm instance of environment " + env.name()
                + " loaded the function; pid " + warm.pid + ", port " + warm.port);
        nowServes(fs, warm, role, "specialize", began);
        followups.later(() -> {
            followups.reconcilePools();
            if (fs.keptRunning()) followups.reconcileFunction(fs);
        });
    }

    /**
     * {@code i}, started {@code how} ("launch" or "specialize") at {@code began}, now serves {@code fs} as {@code role}:
     * the loss it replaces is recovered, the function's launch back-off reset, its pair told of a ready member, its
     * endpoints published, and its cold start booked, once the caller waiting for the instance has it (see
     * {@link #bookLater}).
     */
    private void nowServes(FunctionState fs, Instance i, Role role, String how, Instant began) {
        bookLater(fs.name(), how, Duration.between(began, i.readyAt));
        if (role == Role.REPLICA) loss.recovered(fs);
        loss.replaced(fs, i);
        failures.succeeded(fs);
        if (role != Role.REPLICA) followups.memberReady(fs, i);
        followups.republish(fs.name());
    }

    /**
     * Books a cold start behind the answer to whoever waits for it: a function's first booking registers its meters,
     * about 1.5 ms on this project's busy 2-core machine. The answer is queued later in this same task (on the router's
     * event loop, which may be this one), so the booking goes two hops later, behind it.
     */
    private void bookLater(String function, String how, Duration took) {
        followups.later(() -> followups.later(() -> metrics.coldStart(function, how, took)));
    }

    /** The environment's JVM options, then the function's heap, which wins over an -Xmx among them. */
    private static List<String> jvmOptions(Environment env, Function fn) {
        int mb = fn.spec().memoryMegabytes();
        if (mb == 0 || env.spec().runtime() != Runtime.JAVA) return env.spec().jvmOptions();
        List<String> options = new ArrayList<>(env.spec().jvmOptions() == null ? List.of() : env.spec().jvmOptions());
        options.add("-Xmx" + mb + "m");
        return options;
    }

    /**
     * Whether a warm instance of the environment may serve {@code fn}. Not for {@code http} (an instance serves one
     * function from its start), nor for a {@code java} function with a {@code memory} setting: a warm JVM sized its
     * heap at start without knowing it, so such a function gets instances launched for it.
     */
    static boolean servedFromPool(Environment env, Function fn) {
        Runtime runtime = env.spec().runtime();
        return runtime != Runtime.HTTP && !(runtime == Runtime.JAVA && fn.spec().memoryMegabytes() > 0);
    }

    /**
     * Launches an instance that serves {@code fs} from its start (http runtime, an empty pool, newdeploy, a pair
     * member), as {@code role}, on {@code onNode} or, when null, on the least loaded node not yet running the function.
     */
    Future<Instance> launch(FunctionState fs, Environment env, Role role, String onNode) {
        Function fn = fs.fn;
        Set<String> spread = cluster.nodesOf(fn.name());
        Optional<String> node = onNode != null ? Optional.of(onNode) : config.placement().select(cluster.loads(), spread);
        if (node.isEmpty()) return Future.failedFuture(new ExecutorException("no live node to run function '" + fn.name() + "'"));
        Instant began = config.clock().instant();
        Instance i = Instance.serving(newId(fn.name()), node.get(), env.name(), fn.name(), role, fs.generation(), began);
        cluster.add(i);
        LaunchRequest req = new LaunchRequest(i.id, env.name(), env.spec().runtime(), fn.name(), fn.spec().code(),
                fn.spec().entrypoint(), env.spec().command(), jvmOptions(env, fn), fn.spec().timeout(), config.packagesUrl(),
                fn.spec().memoryMegabytes(), fn.spec().cpuMillis(), fn.spec().variables());
        Node target = cluster.node(i.node);
        return whileAlive(target, target.client.launch(req)).transform(ar -> {
            if (stoppedWhileStarting(i, ar.succeeded())) {
                return Future.failedFuture(new ExecutorException("instance " + i.id + " of function '" + fn.name() + "' went away while starting"));
            }
            if (ar.failed()) {
                cluster.remove(i);
                if (ar.cause() instanceof NodeLost lost) return Future.failedFuture(new ExecutorException("function '" + fn.name() + "': " + lost.getMessage() + " while starting it"));
                return Future.failedFuture(failures.failed(fs, ar.cause()));
            }
            started(i, ar.result());
            nowServes(fs, i, role, "launch", began);
            // Deferred: a reply that came synchronously must not re-plan inside the plan that launched it.
            if (fs.keptRunning()) followups.later(() -> followups.reconcileFunction(fs));
            return Future.succeededFuture(i);
        });
    }

    /** Launches a generic warm instance of {@code env} on {@code node}; a failure backs its pool off. */
    void launchWarm(Environment env, String node) {
        Instance i = Instance.pooled(newId("pool-" + env.name()), node, env.name(), config.clock().instant());
        cluster.add(i);
        LaunchRequest req = new LaunchRequest(i.id, env.name(), env.spec().runtime(), null, null, null,
                env.spec().command(), env.spec().jvmOptions(), null, config.packagesUrl());
        Node target = cluster.node(node);
        whileAlive(target, target.client.launch(req)).onComplete(ar -> {
            if (stoppedWhileStarting(i, ar.succeeded())) return;
            if (ar.succeeded()) {
                started(i, ar.result());
                failures.poolStarted(env.name(), i.readyAt);
                return;
            }
            cluster.remove(i);
            if (!followups.stopping() && !(ar.cause() instanceof NodeLost)) {
                String why = ar.cause() instanceof ApiException a ? a.detail() : ar.cause().getMessage();
                events.emit(ClusterEvent.LOAD_FAILED, null, node, i.id, "warm instance of environment " + env.name() + " failed to start: " + why);
                failures.poolFailed(env.name(), "failed to start on " + node + ": " + ar.cause().getMessage());
            }
        });
    }

    /**
     * {@code call}, or a failure as soon as {@code node} is declared dead, whichever comes first; completed on the
     * executor's context whatever thread answered the call, since what follows changes the executor's state.
     */
    private <T> Future<T> whileAlive(Node node, Future<T> call) {
        Promise<T> p = Promise.promise();
        call.onComplete(ar -> followups.onContext(() -> {
            if (ar.succeeded()) p.tryComplete(ar.result());
            else p.tryFail(ar.cause());
        }));
        node.lost.future().onComplete(v -> p.tryFail(new NodeLost(node.name)));
        return p.future();
    }

    /** A call ended because its node died: not the function's fault, so no back-off. */
    private static final class NodeLost extends RuntimeException {
        NodeLost(String node) {
            super("node " + node + " died", null, false, false);
        }
    }

    private void started(Instance i, InstanceInfo info) {
        i.pid = info.pid();
        i.port = info.port();
        i.secret = info.secret();
        i.state = InstanceState.READY;
        i.lastUsed = config.clock().instant();
        i.readyAt = i.lastUsed;
        String what = i.role == Role.POOL ? "warm instance of environment " + i.environment : i.role.wireName();
        events.emit(ClusterEvent.INSTANCE_READY, i.function, i.node, i.id, what + "; pid " + i.pid + ", port " + i.port);
    }

    /** Stops {@code i} (unless it is stopping already) and publishes its function's endpoints without it. */
    void stop(Instance i) {
        if (i == null || i.stopping()) return;
        retire(i);
        if (i.function != null) followups.republish(i.function);
    }

    /** Marks {@code i} stopping and has its agent stop it; it leaves the cluster once stopped (at once on a dead node). */
    void retire(Instance i) {
        i.state = InstanceState.STOPPING;
        Node n = cluster.node(i.node);
        if (n == null || !n.alive) {
            cluster.remove(i);
            return;
        }
        n.client.stop(i.id).onComplete(ar -> cluster.remove(i));
    }

    /**
     * Whether {@code i} was dropped or stopped while its launch was under way: then the launch's answer, success or
     * failure, is not the instance's (it must neither become ready nor count as a failure to start), and a process
     * that did start is stopped.
     */
    private boolean stoppedWhileStarting(Instance i, boolean launched) {
        if (cluster.holds(i) && !i.stopping()) return false;
        if (launched) stopOrphan(i);
        cluster.remove(i);
        return true;
    }

    private void stopOrphan(Instance i) {
        Node n = cluster.node(i.node);
        if (n != null && n.alive) n.client.stop(i.id);
    }

    private String newId(String prefix) {
        String p = prefix.length() > 90 ? prefix.substring(0, 90) : prefix;
        return p + "-" + idTag + "-" + ids.incrementAndGet();
    }
}
