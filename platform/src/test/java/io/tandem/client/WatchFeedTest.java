package io.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.controller.Controller;
import io.tandem.home.TandemHome;
import io.tandem.http.FreePort;
import io.tandem.model.Change;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Resource;
import io.tandem.model.Runtime;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchFeedTest {
    @TempDir
    Path dir;
    Vertx vertx;
    TandemHome home;
    int port;
    Controller controller;
    WatchFeed feed;
    TandemClient client;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        home = new TandemHome(dir);
        port = FreePort.loopback();
        controller = startController();
        client = new TandemClient(URI.create("http://127.0.0.1:" + port), home.ensureToken());
    }

    @AfterEach
    void stop() {
        if (feed != null) feed.close();
        if (controller != null) controller.stop().await();
        vertx.close().await();
    }

    private Controller startController() {
        Controller c = new Controller(home, vertx, "127.0.0.1", port, null);
        c.start().await();
        return c;
    }

    private static Environment env(String name) {
        return new Environment(Metadata.named(name), new EnvironmentSpec(Runtime.EXEC, null, 0, null));
    }

    private WatchFeed startFeed() throws Exception {
        feed = new WatchFeed(URI.create("http://127.0.0.1:" + port), home.readToken(), Duration.ofMillis(200)).start();
        feed.synced().get(30, TimeUnit.SECONDS);
        return feed;
    }

    private static List<String> record(WatchFeed feed) {
        List<String> seen = new CopyOnWriteArrayList<>();
        feed.subscribe(c -> seen.add(c.type() + " " + c.resource().name()));
        return seen;
    }

    @Test
    void subscribersGetTheCurrentStateThenEveryChangeInOrder() throws Exception {
        client.put("/v1/environments/a", env("a"));
        List<String> seen = record(startFeed());
        await().untilAsserted(() -> assertThat(seen).contains("ADDED a", "ADDED java", "ADDED exec", "ADDED http"));

        client.put("/v1/environments/b", new Environment(Metadata.named("b"), new EnvironmentSpec(Runtime.HTTP, "x {code}", 0, null)));
        client.put("/v1/environments/b", new Environment(Metadata.named("b"), new EnvironmentSpec(Runtime.HTTP, "y {code}", 0, null)));
        client.delete("/v1/environments/a");

        await().untilAsserted(() -> assertThat(seen).endsWith("ADDED b", "MODIFIED b", "DELETED a"));
    }

    @Test
    void resumesAfterTheControllerRestartsWithNoChangeLostOrDoubled() throws Exception {
        client.put("/v1/environments/a", env("a"));
        List<String> seen = record(startFeed());
        await().untilAsserted(() -> assertThat(seen).contains("ADDED a"));

        controller.stop().await();
        await().atMost(Duration.ofSeconds(30)).until(() -> !feed.connected());
        controller = startController();
        client.put("/v1/environments/b", env("b"));
        client.delete("/v1/environments/a");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(seen).endsWith("ADDED b", "DELETED a"));
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(seen).filteredOn(s -> s.endsWith(" a")).containsExactly("ADDED a", "DELETED a");
    }

    @Test
    void caughtUpCompletesOnlyOnceSubscribersHaveEverythingAlreadyStored() throws Exception {
        List<String> seen = record(startFeed());
        for (int k = 0; k < 20; k++) {
            client.put("/v1/environments/e" + k, env("e" + k));
            feed.caughtUp().get(10, TimeUnit.SECONDS);
            assertThat(seen).as("delivered before caughtUp completed").contains("ADDED e" + k);
        }
        controller.stop().await();
        controller = null;
        assertThat(feed.caughtUp()).failsWithin(Duration.ofSeconds(10));
    }

    @Test
    void aCatchUpAskedForAfterAWriteSeesTheWriteEvenWhileAnEarlierOneIsInFlight() throws Exception {
        startFeed();
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<CompletableFuture<Void>> later = new AtomicReference<>();
        AtomicReference<Boolean> laterDoneAtDelivery = new AtomicReference<>();
        feed.subscribe(c -> {
            if (c.resource().name().equals("slow")) {
                try {
                    release.await(20, TimeUnit.SECONDS); // holds this subscriber's deliveries, so a catch-up stays in flight
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (c.resource().name().equals("created")) laterDoneAtDelivery.set(later.get().isDone());
        });
        client.put("/v1/environments/slow", env("slow"));
        CompletableFuture<Void> earlier = feed.caughtUp();
        await().until(() -> feed.revision() >= client.get("/v1/environments").path("revision").asLong());

        client.put("/v1/environments/created", env("created"));
        later.set(feed.caughtUp());
        release.countDown();

        earlier.get(10, TimeUnit.SECONDS);
        later.get().get(10, TimeUnit.SECONDS);
        assertThat(laterDoneAtDelivery.get()).as("the later catch-up had completed when 'created' was delivered").isFalse();
    }

    @Test
    void aLateSubscriberSeesOnlyWhatExistsNow() throws Exception {
        startFeed();
        client.put("/v1/environments/a", env("a"));
        client.delete("/v1/environments/a");
        client.put("/v1/environments/b", env("b"));
        await().until(() -> feed.revision() >= client.get("/v1/environments").path("revision").asLong());

        List<String> seen = record(feed);
        await().untilAsserted(() -> assertThat(seen).contains("ADDED b"));
        assertThat(seen).noneMatch(s -> s.endsWith(" a"));
    }

    @Test
    void aRelistHandsOverTheDifferenceOnly() {
        Map<String, Resource> held = new HashMap<>();
        Map<String, Resource> listed = new HashMap<>();
        Resource kept = at(env("kept"), 3);
        held.put(WatchFeed.key(kept), kept);
        listed.put(WatchFeed.key(kept), kept);
        Resource gone = at(env("gone"), 4);
        held.put(WatchFeed.key(gone), gone);
        Resource changedBefore = at(env("changed"), 5);
        Resource changedNow = at(env("changed"), 9);
        held.put(WatchFeed.key(changedBefore), changedBefore);
        listed.put(WatchFeed.key(changedNow), changedNow);
        Resource fresh = at(env("fresh"), 7);
        listed.put(WatchFeed.key(fresh), fresh);

        List<Change> diff = WatchFeed.Resync.difference(held, listed);

        assertThat(diff).extracting(c -> c.type() + " " + c.resource().name())
                .containsExactly("DELETED gone", "ADDED fresh", "MODIFIED changed");
    }

    private static Resource at(Environment e, long revision) {
        return new Environment(new Metadata(e.name(), revision, Instant.EPOCH, Instant.EPOCH), e.spec());
    }
}
