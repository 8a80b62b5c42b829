package io.tandem.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.controller.store.ResourceStore;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/events} over real HTTP, fed through the controller's {@link EventRecorder}. */
class EventsApiTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path tmp;
    @RegisterExtension
    final RunningController api = new RunningController();

    private static ClusterEvent event(int k, String type, String function) {
        return ClusterEvent.of(T0.plusMillis(k), type, function, "n1", function + "-" + k, "detail " + k);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return api.send("GET", path, null);
    }

    private List<String> list(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        List<String> out = new ArrayList<>();
        for (JsonNode e : Json.MAPPER.readTree(r.body())) out.add(e.path("seq").asLong() + " " + e.path("type").asText() + " " + e.path("function").asText());
        return out;
    }

    private void recordThree() throws Exception {
        api.controller().events().record(event(1, ClusterEvent.INSTANCE_READY, "a"));
        api.controller().events().record(event(2, ClusterEvent.INSTANCE_READY, "b"));
        api.controller().events().record(event(3, ClusterEvent.INSTANCE_EXITED, "a"));
        await().atMost(Duration.ofSeconds(10)).until(() -> list("/v1/events").size() == 3);
    }

    @Test
    void listsTheNewestEventsOrPagesForwardAfterASeqAndFiltersByFunction() throws Exception {
        recordThree();
        assertThat(list("/v1/events")).containsExactly("1 instance-ready a", "2 instance-ready b", "3 instance-exited a");
        assertThat(list("/v1/events?limit=2")).as("the newest two, oldest first").containsExactly("2 instance-ready b", "3 instance-exited a");
        assertThat(list("/v1/events?since=1&limit=1")).containsExactly("2 instance-ready b");
        assertThat(list("/v1/events?function=a")).containsExactly("1 instance-ready a", "3 instance-exited a");
        JsonNode first = Json.MAPPER.readTree(get("/v1/events?limit=3").body()).get(0);
        assertThat(first.path("at").asText()).isEqualTo("2026-03-01T10:00:00.001Z");
        assertThat(first.path("node").asText()).isEqualTo("n1");
        assertThat(first.path("instance").asText()).isEqualTo("a-1");
        assertThat(first.path("detail").asText()).isEqualTo("detail 1");
    }

    @Test
    void refusesBadParametersAndMissingTokens() throws Exception {
        assertThat(get("/v1/events?limit=0").statusCode()).isEqualTo(400);
        assertThat(get("/v1/events?since=-1").body()).contains("invalid since");
        assertThat(get("/v1/events?function=Bad_Name").statusCode()).isEqualTo(400);
        HttpResponse<String> anonymous = api.send(api.anonymous("/v1/events").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }

    @Test
    void followStreamsTheBacklogThenLiveEventsOfTheFunction() throws Exception {
        recordThree();
        List<JsonNode> lines = new CopyOnWriteArrayList<>();
        HttpResponse<Stream<String>> resp = api.send(api.request("/v1/events?follow=true&function=a").GET().build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        Thread reader = Thread.ofVirtual().start(() -> resp.body().filter(l -> !l.isBlank()).forEach(l -> {
            try {
                lines.add(Json.MAPPER.readTree(l));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
        await().atMost(Duration.ofSeconds(10)).until(() -> lines.size() == 2);
        api.controller().events().record(event(4, ClusterEvent.NODE_DEAD, "b"));
        api.controller().events().record(event(5, ClusterEvent.INSTANCE_REPLACED, "a"));

        await().atMost(Duration.ofSeconds(10)).until(() -> lines.size() == 3);
        assertThat(lines).extracting(l -> l.path("seq").asLong() + " " + l.path("type").asText())
                .containsExactly("1 instance-ready", "3 instance-exited", "5 instance-replaced");
        reader.interrupt();
    }

    @Test
    void aFullQueueDropsTheOldestEventsAndSaysHowManyWereLost() throws Exception {
        EventRecorder recorder = new EventRecorder(3);
        for (int k = 1; k <= 5; k++) recorder.record(event(k, ClusterEvent.INSTANCE_READY, "f"));
        assertThat(recorder.dropped()).isEqualTo(2);
        try (ResourceStore store = ResourceStore.open(tmp.resolve("another-store"))) {
            recorder.start(store);
            await().atMost(Duration.ofSeconds(10)).until(() -> store.readEvents(0, null, 10).join().size() == 4);
            List<ClusterEvent> stored = store.readEvents(0, null, 10).join();
            assertThat(stored).extracting(ClusterEvent::type).containsExactly("events-dropped", "instance-ready", "instance-ready", "instance-ready");
            assertThat(stored.getFirst().detail()).startsWith("2 events");
            assertThat(stored).extracting(ClusterEvent::instance).containsExactly(null, "f-3", "f-4", "f-5");
            recorder.stop();
        }
    }
}
