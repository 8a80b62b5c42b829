package io.tandem.executor.standby;

import io.tandem.executor.FailureDetector;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Probes instances every {@code interval} ({@code GET /_/health?epoch=N&lease=MS}) and says which stopped
 * answering: a refused connection at once (the process is gone), silence after {@code misses} intervals net of the
 * prober's own pauses (a hung process, a frozen node). A probe that carries an epoch also renews the instance's
 * lease, for exactly as long as the silence that would declare it dead: by the time a promotion follows a verdict,
 * the old active's lease has run out, so two instances never serve as active at once.
 *
 * <p>Health is answered off the function's threads (see the runtimes), so a busy instance is not a dead one.
 *
 * <p>Owned by one Vert.x context: {@link #watch}, {@link #unwatch}, the probes and the verdicts all run on it.
 */
public final class Prober {
    /** An instance to probe; {@code epoch} 0 probes without granting a lease. */
    public record Target(String instanceId, String host, int port, long epoch) {
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final Duration interval;
    private final int misses;
    private final FailureDetector detector;
    private final InstantSource clock;
    private final BiConsumer<Target, String> onDead;
    private final Map<String, Watched> watched = new HashMap<>();
    private long timer = -1;
    private Instant lastTick;

    private static final class Watched {
        Target target;
        Instant lastAnswer;
        boolean dead;

        Watched(Target target, Instant now) {
            this.target = target;
            this.lastAnswer = now;
        }
    }

    /** {@code onDead} gets the target and why, once per target, on the prober's context. */
    public Prober(Vertx vertx, HttpClient client, Duration interval, int misses, InstantSource clock, BiConsumer<Target, String> onDead) {
        this.vertx = vertx;
        this.client = client;
        this.interval = interval;
        this.misses = misses;
        this.detector = new FailureDetector(interval, misses);
        this.clock = clock;
        this.onDead = onDead;
    }

    public void start() {
        timer = vertx.setPeriodic(interval.toMillis(), id -> tick());
    }

    public void stop() {
        if (timer >= 0) vertx.cancelTimer(timer);
        watched.clear();
    }

    /** Starts probing {@code target}, or updates its epoch; its silence counts from now. */
    public void watch(Target target) {
        Watched w = watched.get(target.instanceId());
        if (w == null) {
            watched.put(target.instanceId(), new Watched(target, clock.instant()));
        } else {
            w.target = target;
        }
        probe(watched.get(target.instanceId()));
    }

    public void unwatch(String instanceId) {
        watched.remove(instanceId);
    }

    /** Stops probing every instance {@code keep} rejects. */
    public void retain(Predicate<String> keep) {
        watched.keySet().removeIf(id -> !keep.test(id));
    }

    /** When {@code instanceId} last answered a probe, or null when it is not watched; for tests. */
    Instant lastAnswer(String instanceId) {
        Watched w = watched.get(instanceId);
        return w == null ? null : w.lastAnswer;
    }

    /** The lease a probe grants: as long as the silence that declares the instance dead. */
    public Duration lease() {
        return interval.multipliedBy(misses);
    }

    void tick() {
        Instant now = clock.instant();
        Instant previous = lastTick == null ? now : lastTick;
        lastTick = now;
        for (Watched w : List.copyOf(watched.values())) {
            if (w.dead) continue;
            if (detector.missedHeartbeats(w.lastAnswer, now, previous)) {
                declareDead(w, "no answer to " + misses + " probes of " + interval.toMillis() + " ms");
            } else {
                probe(w);
            }
        }
    }

    private void probe(Watched w) {
        Target t = w.target;
        // "issued" bounds the grant in time: read late (by a process that was frozen) it has already run out.
        String uri = t.epoch() > 0
                ? "/_/health?epoch=" + t.epoch() + "&lease=" + lease().toMillis() + "&issued=" + System.currentTimeMillis()
                : "/_/health";
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(t.host()).setPort(t.port()).setURI(uri)
                .setTimeout(lease().toMillis());
        client.request(options).compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
                .onComplete(ar -> {
                    if (watched.get(t.instanceId()) != w || w.dead) return;
                    if (ar.succeeded() && ar.result() == 409) {
                        declareDead(w, "it holds a newer epoch than " + t.epoch());
                    } else if (ar.succeeded()) {
                        // Any answer proves the process runs (an http-runtime server may not know /_/health at all).
                        w.lastAnswer = clock.instant();
                    } else if (ar.cause() instanceof ConnectException) {
                        declareDead(w, "connection refused: the process is gone");
                    }
                    // A timeout or a reset is silence: only misses decide.
                });
    }

    private void declareDead(Watched w, String why) {
        w.dead = true;
        onDead.accept(w.target, why);
    }
}
