package io.tandem.executor.standby;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.http.FreePort;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The prober against real HTTP servers standing in for instances, on a clock the test moves. */
class ProberTest {
    private Vertx vertx;
    private Context context;
    private HttpServer server;
    private final AtomicBoolean answering = new AtomicBoolean(true);
    private final List<String> queries = new CopyOnWriteArrayList<>();
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final Map<String, String> dead = new ConcurrentHashMap<>();
    private final Map<String, Prober.Health> late = new ConcurrentHashMap<>();
    private Prober prober;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
        server = vertx.createHttpServer().requestHandler(req -> {
            queries.add(req.query() == null ? "" : req.query());
            if (answering.get()) req.response().end("{}");
            // else: hang, as a frozen process does
        }).listen(0, "127.0.0.1").await();
        HttpClient client = vertx.createHttpClient();
        InstantSource clock = now::get;
        prober = new Prober(vertx, client, Duration.ofMillis(100), 3, clock, (t, why) -> dead.put(t.instanceId(), why),
                (t, health) -> late.put(t.instanceId(), health));
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private void onContext(Runnable r) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            r.run();
            done.complete(null);
        });
        done.get(10, TimeUnit.SECONDS);
    }

    /** One probe interval passes: the clock moves, the prober ticks, and the probe it sent is answered or not. */
    private void interval() throws Exception {
        int before = queries.size();
        now.set(now.get().plusMillis(100));
        onContext(prober::tick);
        if (dead.isEmpty() && late.isEmpty()) await().atMost(Duration.ofSeconds(10)).until(() -> queries.size() > before);
    }

    /** Like {@link #interval}, and waits until the prober has read the answer. */
    private void answeredInterval(String id) throws Exception {
        interval();
        Instant expected = now.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            CompletableFuture<Instant> last = new CompletableFuture<>();
            context.runOnContext(v -> last.complete(prober.lastAnswer(id)));
            return expected.equals(last.get(10, TimeUnit.SECONDS));
        });
    }

    @Test
    void anAnsweringInstanceIsNeverDeclaredDeadAndItsLeaseIsRenewedForTheDetectionWindow() throws Exception {
        onContext(() -> prober.watch(new Prober.Target("a", "127.0.0.1", server.actualPort(), 3)));
        for (int i = 0; i < 10; i++) answeredInterval("a");
        assertThat(dead).isEmpty();
        assertThat(queries).allMatch(q -> q.startsWith("epoch=3&lease=300&issued="));
    }

    @Test
    void anInstanceThatStopsAnsweringIsSuspectedAfterItsMissesButNeverDeclaredDead() throws Exception {
        onContext(() -> prober.watch(new Prober.Target("a", "127.0.0.1", server.actualPort(), 1)));
        await().until(() -> !queries.isEmpty());
        answering.set(false);
        for (int i = 0; i < 3; i++) interval();
        assertThat(late).isEmpty();
        now.set(now.get().plusMillis(100));
        onContext(prober::tick);
        assertThat(late).containsOnlyKeys("a");
        assertThat(late.get("a").silence()).isEqualTo(Duration.ofMillis(400));
        assertThat(late.get("a").threshold()).isEqualTo(Duration.ofMillis(300));
        assertThat(dead).isEmpty(); // silence is only ever a suspicion: the executor confirms it
    }

    @Test
    void anInstanceWhoseAnswersComeIrregularlyIsAllowedALongerSilence() throws Exception {
        onContext(() -> prober.watch(new Prober.Target("a", "127.0.0.1", server.actualPort(), 1)));
        answeredInterval("a");
        // Answers 100 ms apart, then one 400 ms late: a busy machine, not a dead instance.
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < 3; i++) answeredInterval("a");
            answering.set(false);
            for (int i = 0; i < 2; i++) interval();
            answering.set(true);
            answeredInterval("a");
        }
        CompletableFuture<Prober.Health> health = new CompletableFuture<>();
        context.runOnContext(v -> health.complete(prober.health("a").orElseThrow()));
        Duration threshold = health.get(10, TimeUnit.SECONDS).threshold();
        assertThat(threshold).isGreaterThan(Duration.ofMillis(400)).isLessThanOrEqualTo(Duration.ofMillis(6000));
        assertThat(late).isEmpty();
        answeredInterval("a");
        assertThat(queries.getLast()).contains("lease=" + threshold.toMillis() + "&");
    }

    @Test
    void aStandbyProbedAtEveryTenthIntervalGetsTenTimesTheThresholdAndLease() throws Exception {
        onContext(() -> prober.watch(new Prober.Target("s", "127.0.0.1", server.actualPort(), 4, 10)));
        await().until(() -> queries.size() == 1);
        for (int i = 0; i < 9; i++) {
            now.set(now.get().plusMillis(100));
            onContext(prober::tick);
        }
        assertThat(queries).hasSize(1);
        interval();
        assertThat(queries).hasSize(2).allMatch(q -> q.startsWith("epoch=4&lease=3000&"));
        assertThat(late).isEmpty();
    }

    @Test
    void aRefusedConnectionIsDeathAtOnce() throws Exception {
        int closed = FreePort.loopback();
        onContext(() -> prober.watch(new Prober.Target("gone", "127.0.0.1", closed, 1)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(dead).containsKey("gone"));
        assertThat(dead.get("gone")).contains("connection refused");
    }

    @Test
    void anUnwatchedInstanceIsForgotten() throws Exception {
        onContext(() -> prober.watch(new Prober.Target("a", "127.0.0.1", server.actualPort(), 0)));
        await().until(() -> !queries.isEmpty());
        assertThat(queries.getFirst()).isEmpty();
        answering.set(false);
        onContext(() -> prober.unwatch("a"));
        now.set(now.get().plusSeconds(5));
        onContext(prober::tick);
        assertThat(dead).isEmpty();
    }
}
