package io.tandem.executor.standby;

import io.tandem.agent.InstanceSecret;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes instances every {@code interval} ({@code GET /_/health?epoch=N&lease=MS}) and tells two kinds of news apart.
 * A verdict is certain: the connection was refused (the process is gone) or the instance holds a newer epoch; it goes
 * to {@code onDead} once. A suspicion is not: the instance has been silent for longer than its threshold, which a
 * hung process causes but so does a slow one on a busy machine; it goes to {@code onLate} at every check while it
 * lasts, and the caller confirms it before acting (see {@link SuspicionPolicy}).
 *
 * <p>Each instance's threshold is learnt from the gaps between its answers ({@link AnswerWindow}): never below
 * {@code misses} x {@code interval}, longer while its answers come irregularly. Silence is measured net of the
 * prober's own pauses, as for heartbeats (a prober that was not scheduled read nothing meanwhile).
 *
 * <p>A probe that carries an epoch renews the instance's lease for the instance's threshold at that moment, counted
 * from the probe's issue; {@link #leaseLapsed} says when the last grant has run out, and a failover on suspicion
 * waits for it, so two instances never serve as active at once.
 *
 * <p>Health is answered off the function's threads (see the runtimes), so a busy instance is not a dead one.
 *
 * <p>Where an instance announces a control line in its health answer (the java and exec runtimes do) and the target
 * carries its secret, probes move to that line ({@link ControlLine}): one short line each way on a connection kept
 * open, a fraction of an HTTP request's CPU on both sides, which matters because the active is probed ten times a
 * second for as long as it lives. One probe is outstanding on it at a time: while it is unanswered, silence grows and
 * the threshold decides, as over HTTP. When the line ends (the process died, or closed it) the prober goes back to
 * HTTP at once, where a refused connection is the certain verdict; it tries the line again later.
 *
 * <p>Owned by one Vert.x context: {@link #watch}, {@link #unwatch}, the probes and both callbacks run on it.
 */
public final class Prober {
    /**
     * An instance to probe; {@code epoch} 0 probes without granting a lease. {@code every}: probed at every
     * {@code every}-th interval (a standby serves nothing, so it is probed less often: each probe costs the instance
     * about a millisecond of CPU), with its threshold and lease scaled alike.
     */
    public record Target(String instanceId, String host, int port, long epoch, int every, String secret) {
        public Target {
            if (every < 1) throw new IllegalArgumentException("every must be at least 1, was " + every);
        }

        public Target(String instanceId, String host, int port, long epoch, int every) {
            this(instanceId, host, port, epoch, every, null);
        }

        public Target(String instanceId, String host, int port, long epoch) {
            this(instanceId, host, port, epoch, 1);
        }

        @Override
        public String toString() { // never the secret
            return "Target[" + instanceId + " at " + host + ":" + port + ", epoch " + epoch + ", every " + every + "]";
        }
    }

    /**
     * What the prober knows of one instance: when it last answered, how long it has been silent (net of the
     * prober's pauses), the silence it is allowed, and the answer time of its last probe.
     */
    public record Health(Instant lastAnswer, Duration silence, Duration threshold, Duration lastRoundTrip) {
        public boolean late() {
            return silence.compareTo(threshold) > 0;
        }
    }

    /**
     * The longest silence a threshold (and so a lease) may grow to, as a multiple of the floor: 3 s with the default
     * 3 x 100 ms. It bounds how long a frozen active that wakes up may still serve once its node was declared dead.
     */
    private static final int CEILING_FACTOR = 10;

    /** After a control line ended, how long the prober stays on HTTP before it tries the line again. */
    private static final Duration LINE_RETRY = Duration.ofSeconds(1);
    private static final Pattern CONTROL_PORT = Pattern.compile("\"control\"\\s*:\\s*(\\d{1,5})");
    private static final Logger log = LoggerFactory.getLogger(Prober.class);

    private final Vertx vertx;
    private final HttpClient client;
    private final NetClient lines;
    private final Duration interval;
    private final int misses;
    private final InstantSource clock;
    private final BiConsumer<Target, String> onDead;
    private final BiConsumer<Target, Health> onLate;
    private final Map<String, Watched> watched = new HashMap<>();
    private long timer = -1;
    private Instant lastTick;
    /** The prober's own pauses since it started, summed: silence is measured net of them. */
    private Duration ownPauses = Duration.ZERO;

    private final class Watched {
        Target target;
        Instant lastAnswer;
        /** {@link #ownPauses} when it last answered. */
        Duration pausesAtAnswer;
        Duration lastRoundTrip = Duration.ZERO;
        /** Probed without a lease from now on: its failover waits for the last grant to lapse. */
        boolean leaseWithheld;
        /** Whether it answered since it was watched: the first answer ends no gap between answers. */
        boolean answered;
        /** When the newest lease granted to it runs out, by this prober's clock. */
        Instant leaseUntil;
        AnswerWindow window;
        /** Intervals since it was last probed. */
        int sinceProbe;
        boolean dead;
        /** Its control line, connecting or open; null: probed over HTTP. */
        ControlLine line;
        /** When the probe outstanding on the line was sent; null: none is. */
        Instant lineProbeSent;
        /** Not before then is the line tried (again). */
        Instant lineRetryAt = Instant.MIN;
        /** The instance refused its secret on the line: it stays on HTTP. */
        boolean lineRefused;

        Watched(Target target, Instant now) {
            this.target = target;
            this.window = windowFor(target);
            this.lastAnswer = now;
            this.pausesAtAnswer = ownPauses;
            this.leaseUntil = now;
        }

        Duration silence(Instant now) {
            Duration s = Duration.between(lastAnswer, now).minus(ownPauses.minus(pausesAtAnswer));
            return s.isNegative() ? Duration.ZERO : s;
        }

        Health health(Instant now) {
            return new Health(lastAnswer, silence(now), window.threshold(), lastRoundTrip);
        }
    }

    /**
     * {@code onDead} gets the target and why, once per target; {@code onLate} gets it and its health at every check
     * while it is silent past its threshold. Both run on the prober's context.
     */
    public Prober(Vertx vertx, HttpClient client, Duration interval, int misses, InstantSource clock,
                  BiConsumer<Target, String> onDead, BiConsumer<Target, Health> onLate) {
        this.vertx = vertx;
        this.client = client;
        this.lines = vertx.createNetClient(new NetClientOptions().setConnectTimeout(1_000).setTcpNoDelay(true));
        this.interval = interval;
        this.misses = misses;
        this.clock = clock;
        this.onDead = onDead;
        this.onLate = onLate;
    }

    public void start() {
        timer = vertx.setPeriodic(interval.toMillis(), id -> tick());
    }

    public void stop() {
        if (timer >= 0) vertx.cancelTimer(timer);
        List.copyOf(watched.keySet()).forEach(this::unwatch);
        lines.close();
    }

    /** Starts probing {@code target}, or updates its epoch; its silence counts from now. */
    public void watch(Target target) {
        Watched w = watched.get(target.instanceId());
        if (w == null) {
            w = new Watched(target, clock.instant());
            watched.put(target.instanceId(), w);
        } else {
            if (w.target.epoch() != target.epoch()) w.leaseWithheld = false;
            // A new cadence makes new gaps between answers: what was learnt at the old one no longer applies.
            if (w.target.every() != target.every()) w.window = windowFor(target);
            w.target = target;
        }
        probe(w);
    }

    public void unwatch(String instanceId) {
        Watched w = watched.remove(instanceId);
        if (w != null && w.line != null) w.line.close("no longer probed");
    }

    /** Stops probing every instance {@code keep} rejects. */
    public void retain(Predicate<String> keep) {
        for (String id : List.copyOf(watched.keySet())) {
            if (!keep.test(id)) unwatch(id);
        }
    }

    /** What is known of {@code instanceId}, or empty when it is not watched. */
    public Optional<Health> health(String instanceId) {
        Watched w = watched.get(instanceId);
        return w == null ? Optional.empty() : Optional.of(w.health(clock.instant()));
    }

    /** Every watched instance's health except {@code instanceId}'s: to tell a slow instance from a slow machine. */
    public Map<String, Health> others(String instanceId) {
        Instant now = clock.instant();
        Map<String, Health> out = new HashMap<>();
        watched.forEach((id, w) -> {
            if (!id.equals(instanceId) && !w.dead) out.put(id, w.health(now));
        });
        return out;
    }

    /** Whether every lease granted to {@code instanceId} has run out (true when it is not watched). */
    public boolean leaseLapsed(String instanceId) {
        return !clock.instant().isBefore(leaseUntil(instanceId));
    }

    /** Probes {@code instanceId} without granting a lease from now on, so the last grant lapses. */
    public void withholdLease(String instanceId) {
        Watched w = watched.get(instanceId);
        if (w != null) w.leaseWithheld = true;
    }

    /** When the newest lease granted to {@code instanceId} runs out (the distant past when it is not watched). */
    public Instant leaseUntil(String instanceId) {
        Watched w = watched.get(instanceId);
        return w == null ? Instant.MIN : w.leaseUntil;
    }

    /** When {@code instanceId} last answered a probe, or null when it is not watched; for tests. */
    Instant lastAnswer(String instanceId) {
        Watched w = watched.get(instanceId);
        return w == null ? null : w.lastAnswer;
    }

    /** The shortest silence that makes an instance probed at every interval late: {@code misses} x {@code interval}. */
    public Duration floor() {
        return interval.multipliedBy(misses);
    }

    private AnswerWindow windowFor(Target t) {
        Duration floor = floor().multipliedBy(t.every());
        return new AnswerWindow(interval.multipliedBy(t.every()), floor, floor.multipliedBy(CEILING_FACTOR));
    }

    /** The longest lease currently granted to {@code instanceId} (the floor when it is not watched). */
    public Duration lease(String instanceId) {
        Watched w = watched.get(instanceId);
        return w == null ? floor() : w.window.threshold();
    }

    void tick() {
        Instant now = clock.instant();
        if (lastTick != null) {
            Duration late = Duration.between(lastTick, now).minus(interval);
            if (late.isPositive()) ownPauses = ownPauses.plus(late);
        }
        lastTick = now;
        for (Watched w : List.copyOf(watched.values())) {
            if (w.dead) continue;
            Health health = w.health(now);
            if (health.late()) onLate.accept(w.target, health);
            if (!w.dead && watched.get(w.target.instanceId()) == w && ++w.sinceProbe >= w.target.every()) probe(w);
        }
    }

    private void probe(Watched w) {
        Target t = w.target;
        boolean onLine = w.line != null && w.line.open();
        if (onLine && w.lineProbeSent != null) return; // the last one is unanswered: its silence counts, a second adds nothing
        w.sinceProbe = 0;
        Instant sent = clock.instant();
        Duration lease = grant(w, sent);
        if (onLine) {
            w.lineProbeSent = sent;
            w.line.send(lease.isZero() ? "probe" : "lease " + t.epoch() + " " + lease.toMillis() + " " + System.currentTimeMillis());
            return;
        }
        // "issued" bounds the grant in time: read late (by a process that was frozen) it has already run out.
        String uri = lease.isZero()
                ? "/_/health"
                : "/_/health?epoch=" + t.epoch() + "&lease=" + lease.toMillis() + "&issued=" + System.currentTimeMillis();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(t.host()).setPort(t.port()).setURI(uri)
                .setTimeout(Math.max(w.window.threshold().toMillis(), floor().toMillis()));
        if (!lease.isZero() && t.secret() != null) options.putHeader(InstanceSecret.HEADER, t.secret());
        client.request(options).compose(req -> req.send().compose(resp -> resp.body().map(b -> new HttpAnswer(resp.statusCode(), b.toString()))))
                .onComplete(ar -> {
                    if (watched.get(t.instanceId()) != w || w.dead) return;
                    if (ar.succeeded() && ar.result().status() == 409) {
                        declareDead(w, "it holds a newer epoch than " + t.epoch());
                    } else if (ar.succeeded()) {
                        // Any answer proves the process runs (an http-runtime server may not know /_/health at all).
                        answered(w, sent);
                        maybeOpenLine(w, ar.result().body());
                    } else if (ar.cause() instanceof ConnectException) {
                        declareDead(w, "connection refused: the process is gone");
                    }
                    // A timeout or a reset is silence: only the threshold decides.
                });
    }

    private record HttpAnswer(int status, String body) {
    }

    /** The lease a probe sent now grants (zero: none), recorded as granted. */
    private Duration grant(Watched w, Instant sent) {
        if (w.target.epoch() <= 0 || w.leaseWithheld) return Duration.ZERO;
        Duration lease = w.window.threshold();
        Instant until = sent.plus(lease);
        if (until.isAfter(w.leaseUntil)) w.leaseUntil = until;
        return lease;
    }

    private void answered(Watched w, Instant sent) {
        Instant now = clock.instant();
        if (w.answered) w.window.add(Duration.between(w.lastAnswer, now).minus(ownPauses.minus(w.pausesAtAnswer)));
        w.answered = true;
        w.lastAnswer = now;
        w.pausesAtAnswer = ownPauses;
        w.lastRoundTrip = Duration.between(sent, now);
    }

    /** After an HTTP answer: moves to the control line the instance announced, if it may. */
    private void maybeOpenLine(Watched w, String healthBody) {
        Target t = w.target;
        if (w.line != null || w.lineRefused || t.secret() == null || clock.instant().isBefore(w.lineRetryAt)) return;
        Matcher m = CONTROL_PORT.matcher(healthBody);
        if (!m.find()) return;
        int port = Integer.parseInt(m.group(1));
        if (port < 1 || port > 65535) return;
        w.line = ControlLine.connect(lines, t.host(), port, t.secret(),
                answer -> lineAnswer(w, answer),
                why -> lineClosed(w, why),
                () -> {
                    w.lineRefused = true;
                    log.warn("instance {} refused its secret on its control line: probing it over HTTP", t.instanceId());
                });
    }

    private void lineAnswer(Watched w, String answer) {
        Instant sent = w.lineProbeSent;
        w.lineProbeSent = null;
        if (watched.get(w.target.instanceId()) != w || w.dead || sent == null) return;
        if (answer.startsWith("stale ")) {
            declareDead(w, "it holds a newer epoch (" + answer.substring("stale ".length()) + ") than " + w.target.epoch());
            return;
        }
        if (!answer.equals("ok")) log.warn("instance {} answered a probe on its control line with '{}'", w.target.instanceId(), answer);
        answered(w, sent); // any answer proves the process runs
    }

    /** The line ended: back to HTTP, with a probe now, whose refused connection tells a dead process at once. */
    private void lineClosed(Watched w, String why) {
        w.line = null;
        w.lineProbeSent = null;
        w.lineRetryAt = clock.instant().plus(LINE_RETRY);
        if (watched.get(w.target.instanceId()) != w || w.dead) return;
        log.debug("control line of {} ended ({}): probing over HTTP", w.target.instanceId(), why);
        probe(w);
    }

    private void declareDead(Watched w, String why) {
        w.dead = true;
        if (w.line != null) w.line.close("declared dead");
        onDead.accept(w.target, why);
    }
}
