package io.tandem.executor;

import io.tandem.executor.standby.PairReconciler;
import io.tandem.executor.standby.Prober;
import io.tandem.executor.standby.StandbyPlanner;
import io.tandem.executor.standby.SuspicionPolicy;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Environment;
import io.tandem.model.FaultTolerance;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active-standby pairs: has {@link PairReconciler} carry out what {@link StandbyPlanner} decides for each pair
 * (promotion, a member to start, a member to stop) through {@link FunctionPair}, promotes, probes the members with one
 * {@link Prober} per heartbeat setting, grants and withholds their leases (fencing), and confirms a late member's
 * failure with {@link SuspicionPolicy} before handing it to {@link InstanceLoss}. On the executor's context only
 * (the probers run on it too).
 */
final class PairSupervisor {
    private static final Logger log = LoggerFactory.getLogger(PairSupervisor.class);
    private static final String LOOPBACK = "127.0.0.1";
    private static final SuspicionPolicy SUSPICION = SuspicionPolicy.defaults();
    /**
     * A standby is probed at every tenth heartbeat interval: it serves nothing, an exit is reported by its agent at
     * once anyway, and each probe costs an instance about a millisecond of CPU (measured: 10 probes a second kept an
     * idle instance at 1.5 % of a core, against 0.03 % unprobed).
     */
    private static final int STANDBY_PROBE_EVERY = 10;

    /** What the pairs ask of the executor around them. On its context. */
    interface Pacing {
        /** Whether the executor is stopping: nothing is failed over then. */
        boolean stopping();

        /** Whether recovery work named {@code what} waits for the machine's CPU to calm down. */
        boolean deferred(String what, Instant now);
    }

    private final Cluster cluster;
    private final ExecutorConfig config;
    private final ClusterEvents events;
    private final ExecutorMetrics metrics;
    private final InstanceLauncher launcher;
    private final InstanceLoss loss;
    private final Publication publication;
    private final Pacing pacing;
    private final Vertx vertx;
    /** Probes pair members: short timeouts, a few connections per instance; made when the executor starts. */
    private final Supplier<HttpClient> probeHttp;
    /** One prober per distinct heartbeat setting. */
    private final Map<String, Prober> probers = new HashMap<>();

    PairSupervisor(Cluster cluster, ExecutorConfig config, ClusterEvents events, ExecutorMetrics metrics, InstanceLauncher launcher,
                   InstanceLoss loss, Publication publication, Pacing pacing, Vertx vertx, Supplier<HttpClient> probeHttp) {
        this.cluster = cluster;
        this.config = config;
        this.events = events;
        this.metrics = metrics;
        this.launcher = launcher;
        this.loss = loss;
        this.publication = publication;
        this.pacing = pacing;
        this.vertx = vertx;
        this.probeHttp = probeHttp;
    }

    /**
     * The router suspects the pair member {@code i}: it is judged by its probes, confirmed as any late probe is; the
     * router's word alone moves nothing.
     */
    void suspected(FunctionState fs, Instance i) {
        Prober prober = prober(fs);
        prober.health(i.id).filter(Prober.Health::late).ifPresent(h -> probeLate(new Prober.Target(i.id, LOOPBACK, i.port, 0), h));
    }

    /** Until when the lease of the active {@code i} of {@code fs} runs. */
    Instant leaseUntil(FunctionState fs, Instance i) {
        return prober(fs).leaseUntil(i.id);
    }

    /** At each tick: clears the suspicion of members that answer again and stops probing the ones gone. */
    void tick(Instant now) {
        clearAnsweredSuspicions(now);
        for (Prober p : probers.values()) {
            p.retain(id -> {
                Instance i = cluster.instance(id);
                return i != null && i.pairMember() && !i.stopping();
            });
        }
    }

    void stop() {
        probers.values().forEach(Prober::stop);
    }

    /** Carries out what {@link StandbyPlanner} decides for the function's pair: see {@link PairReconciler}. */
    void reconcile(FunctionState fs, Environment env) {
        PairReconciler.reconcile(new FunctionPair(fs, env, cluster, launcher, this, pacing), config.clock().instant());
    }

    /** The function's ready member in {@code role}. */
    private Instance readyMember(FunctionState fs, Role role) {
        return cluster.readyMembers(fs.name(), role).stream().min(Comparator.comparing(i -> i.id)).orElse(null);
    }

    void stopMembers(FunctionState fs, Role... roles) {
        Set<Role> stop = Set.of(roles);
        for (Instance i : cluster.instancesOf(fs.name())) {
            if (stop.contains(i.role)) launcher.stop(i);
        }
    }

    /**
     * A member just became ready. An instance started to be the active takes the next epoch, unless another active
     * appeared meanwhile (a standby was promoted): then it serves as the standby. Either way it is probed from now on.
     */
    void memberReady(FunctionState fs, Instance i) {
        if (i.role == Role.ACTIVE) {
            Instance other = cluster.readyMembers(fs.name(), Role.ACTIVE).stream().filter(o -> o != i).findFirst().orElse(null);
            if (other != null) {
                i.role = Role.STANDBY;
            } else {
                fs.epoch++;
                i.activeSince = config.clock().instant();
                loss.recovered(fs);
                events.emit(ClusterEvent.PROMOTED, fs.name(), i.node, i.id, "active at epoch " + fs.epoch + " (no standby was ready: "
                        + (fs.lostActive == null ? "the pair was starting" : "replaces " + fs.lostActive) + ")");
                fs.lostActive = null;
                watchStandbys(fs);
            }
        }
        watch(fs, i);
    }

    /**
     * Makes {@code standby} the active at the next epoch, whose lease it already holds (see {@link #watch}), so it
     * serves the first request the router sends it. The router learns it first (the publish is synchronous to its
     * table), then the prober renews the new active's lease and grants any other standby the epoch after.
     */
    void promote(FunctionState fs, Instance standby, String why) {
        fs.epoch++;
        standby.role = Role.ACTIVE;
        standby.activeSince = config.clock().instant();
        standby.suspectedSince = null;
        publication.republish(fs.name());
        metrics.promoted(fs.name(), fs.strategy().wireName());
        loss.recovered(fs);
        watch(fs, standby);
        watchStandbys(fs);
        log.info("promoted {} of {} on {} to active at epoch {}: {}", standby.id, fs.name(), standby.node, fs.epoch, why);
        events.emit(ClusterEvent.PROMOTED, fs.name(), standby.node, standby.id, "standby promoted to active at epoch " + fs.epoch + "; " + why);
    }

    /**
     * Starts (or updates) probing a pair member. The active's probes renew its lease for the function's epoch. A
     * standby's grant it the lease of the next epoch, the one it takes if promoted: it then serves the moment the
     * router learns of the promotion, instead of refusing (fenced) until its first probe as the active. Holding that
     * lease early serves nothing before then, since the router sends an epoch only to the endpoint published with it.
     */
    private void watch(FunctionState fs, Instance i) {
        long epoch = switch (i.role) {
            case ACTIVE -> fs.epoch;
            case STANDBY -> fs.epoch + 1;
            default -> 0;
        };
        prober(fs).watch(new Prober.Target(i.id, LOOPBACK, i.port, epoch, i.role == Role.STANDBY ? STANDBY_PROBE_EVERY : 1, i.secret));
    }

    /** The function's epoch moved on: its ready standbys are granted the one after. */
    private void watchStandbys(FunctionState fs) {
        for (Instance i : cluster.readyMembers(fs.name(), Role.STANDBY)) watch(fs, i);
    }

    /** The prober for the function's heartbeat settings; one per distinct setting, made on first use. */
    private Prober prober(FunctionState fs) {
        FaultTolerance ft = fs.fn.spec().faultTolerance();
        String key = ft.heartbeatInterval().toMillis() + "x" + ft.heartbeatMisses();
        return probers.computeIfAbsent(key, k -> {
            Prober p = new Prober(vertx, probeHttp.get(), ft.heartbeatInterval(), ft.heartbeatMisses(), config.clock(), this::probeFailed, this::probeLate);
            p.start();
            return p;
        });
    }

    /** A probed member stopped answering. On the executor's context (the probers run on it). */
    private void probeFailed(Prober.Target target, String why) {
        Instance i = cluster.instance(target.instanceId());
        if (pacing.stopping() || i == null || !i.ready() || !i.pairMember()) return;
        FunctionState fs = cluster.functionOf(i);
        if (fs == null) return;
        log.warn("{} {} of {} on {} failed its probe: {}", i.role.wireName(), i.id, i.function, i.node, why);
        events.emit(ClusterEvent.UNRESPONSIVE, i.function, i.node, i.id, i.role.wireName() + " failed its health probe: " + why);
        loss.lose(i, InstanceLoss.Cause.unresponsive(why, !why.startsWith("connection refused")));
    }

    /**
     * A probed member has been silent past its threshold: a suspicion, confirmed by {@link SuspicionPolicy} before
     * anything moves. Called at every probe interval while it lasts, on the executor's context. A kept active is
     * reported once per suspicion ({@code suspected}), and again when it answers.
     */
    private void probeLate(Prober.Target target, Prober.Health health) {
        // Long: gathering the facts for SuspicionPolicy, then carrying out its verdict, read best in one place.
        Instance i = cluster.instance(target.instanceId());
        if (pacing.stopping() || i == null || !i.ready() || !i.pairMember()) return;
        FunctionState fs = cluster.functionOf(i);
        if (fs == null) return;
        Instant now = config.clock().instant();
        Prober prober = prober(fs);
        ProcessStates.State process = config.processes().of(i.pid);
        int othersLate = 0;
        Map<String, Prober.Health> others = prober.others(i.id);
        for (Prober.Health h : others.values()) if (h.late()) othersLate++;
        SuspicionPolicy.Verdict verdict;
        if (i.role == Role.ACTIVE) {
            Instance standby = readyMember(fs, Role.STANDBY);
            SuspicionPolicy.StandbyHealth standbyHealth = standby == null ? null : new SuspicionPolicy.StandbyHealth(
                    prober.health(standby.id).map(Prober.Health::late).orElse(true), config.processes().of(standby.pid));
            Duration activeFor = i.activeSince == null ? Duration.ofDays(1) : Duration.between(i.activeSince, now);
            verdict = SUSPICION.decide(new SuspicionPolicy.Facts(process, health.silence(), health.threshold(),
                    standbyHealth, othersLate, others.size(), activeFor));
        } else {
            verdict = SUSPICION.decideStandby(process, health.silence(), health.threshold(), othersLate, others.size());
        }
        switch (verdict) {
            case SuspicionPolicy.FailOver f -> {
                if (i.role == Role.ACTIVE && process != ProcessStates.State.GONE && !prober.leaseLapsed(i.id)) {
                    // It may still run: it gets no new lease, and the standby takes over once the last one lapses.
                    prober.withholdLease(i.id);
                    return;
                }
                log.warn("{} {} of {} on {} failed over: {}", i.role.wireName(), i.id, i.function, i.node, f.why());
                events.emit(ClusterEvent.UNRESPONSIVE, i.function, i.node, i.id, i.role.wireName() + " failed its health probe: " + f.why());
                loss.lose(i, InstanceLoss.Cause.unresponsive(f.why(), process != ProcessStates.State.GONE));
            }
            case SuspicionPolicy.Keep k -> {
                if (i.suspectedSince != null) return;
                i.suspectedSince = now;
                log.info("{} {} of {} on {} is late ({} ms silent, threshold {} ms) and kept: {}", i.role.wireName(), i.id, i.function,
                        i.node, health.silence().toMillis(), health.threshold().toMillis(), k.why());
                events.emit(ClusterEvent.SUSPECTED, i.function, i.node, i.id, i.role.wireName() + " is late (silent for " + health.silence().toMillis()
                        + " ms, threshold " + health.threshold().toMillis() + " ms) but kept: " + k.why());
            }
        }
    }

    /** Clears the suspicion of members that answer again; on the executor's context, at each tick. */
    private void clearAnsweredSuspicions(Instant now) {
        for (Instance i : cluster.instances()) {
            if (i.suspectedSince == null || i.function == null) continue;
            FunctionState fs = cluster.functionOf(i);
            if (fs == null) continue;
            boolean late = prober(fs).health(i.id).map(Prober.Health::late).orElse(false);
            if (late) continue;
            log.info("{} {} of {} answers again after {} ms", i.role.wireName(), i.id, i.function, Duration.between(i.suspectedSince, now).toMillis());
            events.emit(ClusterEvent.ANSWERS_AGAIN, i.function, i.node, i.id, i.role.wireName() + " answers its probes again after "
                    + Duration.between(i.suspectedSince, now).toMillis() + " ms late; it was never failed over");
            i.suspectedSince = null;
        }
    }
}
