package io.tandem.executor.standby;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import java.net.ServerSocket;
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
        prober = new Prober(vertx, client, Duration.ofMillis(100), 3, clock, (t, why) -> dead.put(t.instanceId(), why));
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
        if (dead.isEmpty()) await().atMost(Duration.ofSeconds(10)).until(() -> queries.size() > before);
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
    void anInstanceThatStopsAnsweringIsDeclaredDeadAfterItsMisses() throws Exception {
        onContext(() -> prober.watch(new Prober.Target("a", "127.0.0.1", server.actualPort(), 1)));
        await().until(() -> !queries.isEmpty());
        answering.set(false);
        for (int i = 0; i < 3; i++) interval();
        assertThat(dead).isEmpty();
        now.set(now.get().plusMillis(100));
        onContext(prober::tick);
        assertThat(dead).containsOnlyKeys("a");
        assertThat(dead.get("a")).contains("no answer to 3 probes");
    }

    @Test
    void aRefusedConnectionIsDeathAtOnce() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
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
