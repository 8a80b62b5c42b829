package io.tandem.executor.standby;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.agent.InstanceSecret;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prober moves to the control line an instance announces, and leaves it for HTTP when the line ends: against a
 * real HTTP server and a real line server standing in for an instance, on a clock the test moves.
 */
class ProberControlLineTest {
    private static final String SECRET = "the-secret";

    private Vertx vertx;
    private Context context;
    private HttpServer http;
    private NetServer line;
    private final List<String> httpQueries = new CopyOnWriteArrayList<>();
    private final List<String> httpSecrets = new CopyOnWriteArrayList<>();
    private final List<String> lineIn = new CopyOnWriteArrayList<>();
    private final List<NetSocket> lineSockets = new CopyOnWriteArrayList<>();
    /** What the line answers to each line after a good hello. */
    private volatile Function<String, String> lineAnswers = l -> "ok";
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final Map<String, String> dead = new ConcurrentHashMap<>();
    private final Map<String, Prober.Health> late = new ConcurrentHashMap<>();
    private Prober prober;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
        line = vertx.createNetServer().connectHandler(socket -> {
            lineSockets.add(socket);
            boolean[] greeted = {false};
            socket.handler(RecordParser.newDelimited("\n", record -> {
                String l = record.toString();
                lineIn.add(l);
                if (!greeted[0]) {
                    greeted[0] = true;
                    if (l.equals("hello " + SECRET)) {
                        socket.write("ok\n");
                    } else {
                        socket.write("denied\n").onComplete(v -> socket.close());
                    }
                    return;
                }
                String answer = lineAnswers.apply(l);
                if (answer != null) socket.write(answer + "\n");
            }));
        }).listen(0, "127.0.0.1").await();
        http = vertx.createHttpServer().requestHandler(req -> {
            httpQueries.add(req.query() == null ? "" : req.query());
            String secret = req.getHeader(InstanceSecret.HEADER);
            if (secret != null) httpSecrets.add(secret);
            req.response().end("{\"status\":\"ok\",\"control\":" + line.actualPort() + "}");
        }).listen(0, "127.0.0.1").await();
        prober = new Prober(vertx, vertx.createHttpClient(), Duration.ofMillis(100), 3, now::get,
                (t, why) -> dead.put(t.instanceId(), why), (t, health) -> late.put(t.instanceId(), health));
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

    private <T> T read(java.util.function.Supplier<T> r) throws Exception {
        CompletableFuture<T> done = new CompletableFuture<>();
        context.runOnContext(v -> done.complete(r.get()));
        return done.get(10, TimeUnit.SECONDS);
    }

    private void tick() throws Exception {
        now.set(now.get().plusMillis(100));
        onContext(prober::tick);
    }

    /** Watches an instance with a secret and waits until its probes run on the line. */
    private void watchOnTheLine(long epoch) throws Exception {
        onContext(() -> prober.watch(new Prober.Target("a", "127.0.0.1", http.actualPort(), epoch, 1, SECRET)));
        await().atMost(Duration.ofSeconds(10)).until(() -> lineIn.contains("hello " + SECRET));
        // The hello's ok arrives asynchronously: tick until a probe goes on the line.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            tick();
            return lineIn.size() > 1;
        });
    }

    @Test
    void probesMoveToTheAnnouncedLineAndGrantTheLeaseThere() throws Exception {
        watchOnTheLine(3);
        int httpBefore = httpQueries.size();
        assertThat(httpSecrets).as("the first probe's grant went over HTTP, with the secret").containsOnly(SECRET);
        for (int i = 0; i < 10; i++) {
            int before = lineIn.size();
            Instant at = now.get();
            tick();
            await().atMost(Duration.ofSeconds(10)).until(() -> lineIn.size() > before);
            await().atMost(Duration.ofSeconds(10)).until(() -> at.plusMillis(100).equals(read(() -> prober.lastAnswer("a"))));
        }
        assertThat(httpQueries).hasSize(httpBefore);
        assertThat(lineIn.subList(1, lineIn.size())).allMatch(l -> l.matches("lease 3 300 \\d+"));
        assertThat(dead).isEmpty();
        assertThat(late).isEmpty();
    }

    @Test
    void oneProbeIsOutstandingAtATimeAndSilenceOnTheLineIsOnlySuspicion() throws Exception {
        watchOnTheLine(1);
        lineAnswers = l -> null; // hangs, as a frozen process does
        int before = lineIn.size();
        for (int i = 0; i < 6; i++) tick();
        await().atMost(Duration.ofSeconds(10)).until(() -> lineIn.size() >= before + 1);
        assertThat(lineIn).hasSizeLessThanOrEqualTo(before + 1);
        assertThat(late).containsKey("a");
        assertThat(dead).isEmpty();
    }

    @Test
    void aStaleAnswerOnTheLineIsCertainDeath() throws Exception {
        watchOnTheLine(2);
        lineAnswers = l -> "stale 7";
        tick();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(dead).containsKey("a"));
        assertThat(dead.get("a")).contains("newer epoch (7)");
    }

    @Test
    void whenTheLineEndsTheProberGoesBackToHttpAtOnceWhereARefusalIsDeath() throws Exception {
        watchOnTheLine(1);
        int httpBefore = httpQueries.size();
        http.close().await();
        for (NetSocket s : lineSockets) s.close();
        // The probe sent when the line ends may go out on a kept-alive HTTP connection the client has not yet seen
        // closed (a reset is silence); the next, on a new connection, is refused. Time passes as it would.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            if (!dead.containsKey("a")) tick();
            assertThat(dead).containsKey("a");
        });
        assertThat(dead.get("a")).contains("connection refused");
        assertThat(httpQueries).hasSize(httpBefore);
    }

    @Test
    void aLineThatEndsIsTriedAgainAfterAPause() throws Exception {
        watchOnTheLine(1);
        for (NetSocket s : lineSockets) s.close();
        int httpBefore = httpQueries.size();
        await().atMost(Duration.ofSeconds(10)).until(() -> httpQueries.size() > httpBefore);
        now.set(now.get().plusSeconds(2));
        int hellos = (int) lineIn.stream().filter(l -> l.startsWith("hello")).count();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            tick();
            return lineIn.stream().filter(l -> l.startsWith("hello")).count() > hellos;
        });
        assertThat(dead).isEmpty();
    }

    @Test
    void anInstanceThatRefusesTheSecretIsProbedOverHttp() throws Exception {
        onContext(() -> prober.watch(new Prober.Target("a", "127.0.0.1", http.actualPort(), 1, 1, "a-wrong-secret")));
        await().atMost(Duration.ofSeconds(10)).until(() -> lineIn.contains("hello a-wrong-secret"));
        now.set(now.get().plusSeconds(5));
        for (int i = 0; i < 5; i++) {
            int before = httpQueries.size();
            tick();
            await().atMost(Duration.ofSeconds(10)).until(() -> httpQueries.size() > before);
        }
        assertThat(lineIn).containsExactly("hello a-wrong-secret");
        assertThat(dead).isEmpty();
    }

    @Test
    void withoutTheSecretTheLineIsNeverTried() throws Exception {
        onContext(() -> prober.watch(new Prober.Target("a", "127.0.0.1", http.actualPort(), 1)));
        for (int i = 0; i < 5; i++) {
            int before = httpQueries.size();
            tick();
            await().atMost(Duration.ofSeconds(10)).until(() -> httpQueries.size() > before);
        }
        assertThat(lineIn).isEmpty();
        assertThat(httpSecrets).isEmpty();
    }
}
