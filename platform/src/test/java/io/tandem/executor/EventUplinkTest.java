package io.tandem.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.controller.Controller;
import io.tandem.home.TandemHome;
import io.tandem.http.FreePort;
import io.tandem.model.ClusterEvent;
import io.tandem.model.EventBatch;
import io.tandem.model.Json;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Events shipped to a controller that goes away and comes back on the same port and home: each stored once. */
class EventUplinkTest {
    @TempDir
    Path dir;
    TandemHome home;
    Vertx vertx;
    Controller controller;
    int port;
    EventUplink uplink;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        home = new TandemHome(dir);
        vertx = Vertx.vertx();
        port = FreePort.loopback();
        controller = startController();
        uplink = new EventUplink(URI.create("http://127.0.0.1:" + port), home.ensureToken(), 100).start();
    }

    @AfterEach
    void stop() {
        uplink.close();
        if (controller != null) controller.stop().await();
        vertx.close().await();
    }

    @Test
    void deliversEventsHeldWhileTheControllerWasDownOnceEach() throws Exception {
        uplink.emit(event("before-1"));
        uplink.emit(event("before-2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> details().size() == 2);

        controller.stop().await();
        controller = null;
        for (int k = 1; k <= 5; k++) uplink.emit(event("while-down-" + k));
        assertThat(uplink.flush(Duration.ofMillis(300))).as("nothing acknowledged while the controller is down").isFalse();

        controller = startController();
        assertThat(uplink.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(details()).containsExactly("before-1", "before-2", "while-down-1", "while-down-2", "while-down-3", "while-down-4",
                "while-down-5");
        assertThat(uplink.dropped()).isZero();
    }

    @Test
    void storesABatchSentAgainAfterALostReplyOnlyOnce() throws Exception {
        EventBatch batch = new EventBatch("sender-a", 1, List.of(event("one"), event("two")));
        assertThat(post(batch).path("stored").asInt()).isEqualTo(2);
        assertThat(post(batch).path("stored").asInt()).isZero();
        // Overlapping: the first of these was stored with the batch above.
        assertThat(post(new EventBatch("sender-a", 2, List.of(event("two"), event("three")))).path("stored").asInt()).isEqualTo(1);
        assertThat(details()).containsExactly("one", "two", "three");
    }

    @Test
    void dropsTheOldestWhenFullAndSaysSo() throws Exception {
        controller.stop().await();
        controller = null;
        // More than the queue (100) and the one batch the sender may already hold (up to EventUplink.MAX_BATCH).
        int sent = EventUplink.MAX_BATCH + 200;
        for (int k = 1; k <= sent; k++) uplink.emit(event("e" + k));
        controller = startController();
        assertThat(uplink.flush(Duration.ofSeconds(10))).isTrue();
        List<String> details = details();
        // The sender may take a batch, with a notice of what was dropped so far, while more are still being dropped:
        // then a second notice follows. Together they count every drop.
        List<Long> notices = details.stream().filter(d -> d.endsWith(" events before this one were dropped: the controller was unreachable"))
                .map(d -> Long.parseLong(d.substring(0, d.indexOf(' ')))).toList();
        assertThat(notices).as("events-dropped notices in " + details.subList(0, Math.min(5, details.size()))).isNotEmpty();
        long dropped = notices.stream().mapToLong(Long::longValue).sum();
        // At least 100 unless a first few events were delivered while the controller was still closing (seen: 97).
        assertThat(dropped).isGreaterThanOrEqualTo(100 - 10).isEqualTo(uplink.dropped());
        List<String> kept = details.stream().filter(d -> d.startsWith("e")).toList();
        assertThat(kept).hasSize((int) (sent - dropped)).endsWith("e" + (sent - 1), "e" + sent);
        assertThat(kept).isSortedAccordingTo(Comparator.comparingInt(d -> Integer.parseInt(d.substring(1))));
    }

    private Controller startController() {
        Controller c = new Controller(home, vertx, "127.0.0.1", port, null);
        c.start().await();
        return c;
    }

    private static ClusterEvent event(String detail) {
        return ClusterEvent.of(Instant.now(), "test", null, null, null, detail);
    }

    private JsonNode post(EventBatch batch) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events/batch"))
                .header("Authorization", "Bearer " + home.readToken()).POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(batch)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body());
    }

    private List<String> details() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events?limit=10000"))
                .header("Authorization", "Bearer " + home.readToken()).build(), HttpResponse.BodyHandlers.ofString());
        List<String> out = new ArrayList<>();
        for (JsonNode e : Json.MAPPER.readTree(r.body())) out.add(e.path("detail").asText());
        return out;
    }
}
