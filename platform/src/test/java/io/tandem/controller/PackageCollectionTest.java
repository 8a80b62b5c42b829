package io.tandem.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.home.TandemHome;
import io.tandem.model.Json;
import io.tandem.packages.PackageStore;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The package quota and the collection of unused packages, through a real controller, its store and its API. */
class PackageCollectionTest {
    private static final long QUOTA = 10_000;

    @TempDir
    java.nio.file.Path tmp;
    Vertx vertx;
    TandemHome home;
    Controller controller;
    String token;
    final HttpClient http = HttpClient.newHttpClient();

    record Reply(int status, JsonNode json) {
    }

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        home = new TandemHome(tmp.resolve("home"));
        controller = startController();
        token = home.readToken();
    }

    @AfterEach
    void stop() {
        if (controller != null) controller.stop().await();
        vertx.close().await();
    }

    private Controller startController() {
        Controller c = new Controller(home, vertx, "127.0.0.1", 0, null, PackageStore.Config.defaults().withQuotaBytes(QUOTA));
        c.start().await();
        return c;
    }

    private Reply call(String method, String path, HttpRequest.BodyPublisher body) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.port() + path)).method(method, body)
                .header("Authorization", "Bearer " + token).header("X-Tandem-Filename", "code.bin").timeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private Reply upload(byte[] content) {
        return call("POST", "/v1/packages", HttpRequest.BodyPublishers.ofByteArray(content));
    }

    private String uploaded(byte[] content) {
        Reply r = upload(content);
        assertThat(r.status()).as("%s", r.json()).isIn(200, 201);
        return r.json().path("sha256").asText();
    }

    private Reply createFunction(String name, String sha) {
        return call("POST", "/v1/functions", HttpRequest.BodyPublishers.ofString("{\"kind\":\"Function\",\"metadata\":{\"name\":\"" + name
                + "\"},\"spec\":{\"environment\":\"exec\",\"code\":{\"sha256\":\"" + sha + "\"}}}"));
    }

    private static byte[] content(int size, int seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** As if uploaded longer ago than the collector's grace period. */
    private void makeOld(String sha) throws IOException {
        Files.setLastModifiedTime(controller.packages().path(sha),
                FileTime.from(Instant.now().minus(PackageCollector.DEFAULT_GRACE).minusSeconds(60)));
    }

    @Test
    void refusesAnUploadPastTheQuotaWith507AndStoresNothing() throws IOException {
        String kept = uploaded(content(6_000, 1));
        long before;
        try (var files = Files.list(home.packagesDir())) {
            before = files.count();
        }

        Reply refused = upload(content(5_000, 2));

        assertThat(refused.status()).isEqualTo(507);
        assertThat(refused.json().path("error").asText()).contains("package store is full", "quota is 10000 bytes (9.8 KiB)", "6000 bytes (5.9 KiB) are in use", "needs 5000 bytes");
        assertThat(refused.json().path("detail").asText()).contains("--package-quota", "DELETE /v1/packages/");
        assertThat(controller.packages().list()).containsExactly(kept);
        try (var files = Files.list(home.packagesDir())) {
            assertThat(files.count()).isEqualTo(before);
        }
        assertThat(uploaded(content(6_000, 1))).isEqualTo(kept); // identical content is still accepted: it costs nothing
    }

    @Test
    void collectsOldUnusedPackagesAndKeepsUsedAndYoungOnes() throws IOException {
        String used = uploaded(content(3_000, 3));
        String old = uploaded(content(3_000, 4));
        String young = uploaded(content(3_000, 5));
        assertThat(createFunction("f", used).status()).isEqualTo(201);
        makeOld(used);
        makeOld(old);
        assertThat(upload(content(2_000, 6)).status()).isEqualTo(507);

        PackageStore.Collected c = controller.collector().collect().join();

        assertThat(c.deleted()).containsExactly(old);
        assertThat(c.bytesFreed()).isEqualTo(3_000);
        assertThat(controller.packages().list()).containsExactlyInAnyOrder(used, young);
        assertThat(metrics()).contains("tandem_packages_collected_total 1.0", "tandem_packages_collected_bytes_total 3000.0",
                "tandem_packages_bytes 6000.0", "tandem_packages_quota_bytes 10000.0");
        assertThat(upload(content(2_000, 6)).status()).isEqualTo(201);
    }

    private String metrics() throws IOException {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.port() + "/metrics")).build();
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString()).body();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void collectsThePackagesOfDeletedAndUpdatedFunctionsWhenItStarts() throws IOException {
        String first = uploaded(content(1_000, 7));
        String second = uploaded(content(1_000, 8));
        String ofDeleted = uploaded(content(1_000, 9));
        assertThat(createFunction("kept", first).status()).isEqualTo(201);
        assertThat(call("PUT", "/v1/functions/kept", HttpRequest.BodyPublishers.ofString(
                "{\"spec\":{\"environment\":\"exec\",\"code\":{\"sha256\":\"" + second + "\"}}}")).status()).isEqualTo(200);
        assertThat(createFunction("gone", ofDeleted).status()).isEqualTo(201);
        assertThat(call("DELETE", "/v1/functions/gone", HttpRequest.BodyPublishers.noBody()).status()).isEqualTo(200);
        makeOld(first);
        makeOld(second);
        makeOld(ofDeleted);
        controller.stop().await();

        controller = startController();

        await().atMost(Duration.ofSeconds(30)).until(() -> controller.packages().list().size() == 1);
        assertThat(controller.packages().list()).containsExactly(second);
        assertThat(controller.packages().used()).isEqualTo(1_000);
    }

    /**
     * A create naming an old, unused package races a collection, on real threads: either the function is created and
     * its package kept, or the package is collected and the create refused. Never a function without its code.
     */
    @Test
    void aCreateRacingACollectionNeverLeavesAFunctionWithoutItsPackage() throws Exception {
        // The collection starts at a random moment within one create's round trip, so that both orders happen.
        long roundTrip = timeOneCreate();
        Random jitter = new Random(42);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 25; round++) {
                long delay = (long) (jitter.nextDouble() * roundTrip);
                String sha = uploaded(content(100, 100 + round));
                makeOld(sha);
                String name = "f" + round;
                CyclicBarrier go = new CyclicBarrier(2);
                CompletableFuture<Reply> create = CompletableFuture.supplyAsync(() -> {
                    meet(go);
                    return createFunction(name, sha);
                }, threads);
                CompletableFuture<PackageStore.Collected> collect = CompletableFuture.supplyAsync(() -> {
                    meet(go);
                    LockSupport.parkNanos(delay); // not a wait for anything: varies the interleaving
                    return controller.collector().collect().join();
                }, threads);

                int status = create.join().status();
                boolean collected = collect.join().deleted().contains(sha);

                boolean functionExists = call("GET", "/v1/functions/" + name, HttpRequest.BodyPublishers.noBody()).status() == 200;
                assertThat(controller.packages().exists(sha)).as("round %d", round).isEqualTo(functionExists);
                assertThat(status).as("round %d", round).isEqualTo(collected ? 422 : 201);
                assertThat(functionExists).as("round %d", round).isEqualTo(!collected);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** Twice the quickest of a few creates (the first ones are slow while the JVM warms up). */
    private long timeOneCreate() {
        String sha = uploaded(content(100, 99));
        long quickest = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            long start = System.nanoTime();
            assertThat(createFunction("warm-up-" + i, sha).status()).isEqualTo(201);
            quickest = Math.min(quickest, System.nanoTime() - start);
        }
        return 2 * quickest;
    }

    private static void meet(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
