package io.tandem.controller.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.model.ClusterEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourceStoreEventsTest {
    private static final Instant T0 = Instant.parse("2026-01-01T12:00:00.123Z");

    @TempDir
    Path tmp;

    private static ClusterEvent event(String type, String function, int k) {
        return ClusterEvent.of(T0.plusMillis(k), type, function, "n1", function == null ? null : function + "-" + k, "detail " + k);
    }

    private static List<ClusterEvent> events(int from, int to) {
        return IntStream.range(from, to).mapToObj(k -> event(ClusterEvent.INSTANCE_READY, "f", k)).toList();
    }

    @Test
    void appendNumbersABatchInOrderAndReadsItBackAfterASeq() {
        try (ResourceStore store = ResourceStore.open(tmp)) {
            List<ClusterEvent> stored = store.appendEvents(List.of(event(ClusterEvent.NODE_JOINED, null, 0),
                    event(ClusterEvent.INSTANCE_READY, "api", 1), event(ClusterEvent.INSTANCE_EXITED, "web", 2))).join();

            assertThat(stored).extracting(ClusterEvent::seq).containsExactly(1L, 2L, 3L);
            assertThat(stored.get(1)).isEqualTo(new ClusterEvent(2, T0.plusMillis(1), "instance-ready", "api", "n1", "api-1", "detail 1"));
            assertThat(store.readEvents(0, null, 100).join()).isEqualTo(stored);
            assertThat(store.readEvents(1, null, 100).join()).extracting(ClusterEvent::type).containsExactly("instance-ready", "instance-exited");
            assertThat(store.readEvents(0, null, 2).join()).extracting(ClusterEvent::seq).containsExactly(1L, 2L);
            assertThat(store.readEvents(0, "web", 100).join()).extracting(ClusterEvent::seq).containsExactly(3L);
            assertThat(store.readEvents(0, null, 100).join().getFirst().function()).as("a node event has no function").isNull();
        }
    }

    @Test
    void latestGivesTheNewestOldestFirstAndWhereToFollowFrom() {
        try (ResourceStore store = ResourceStore.open(tmp)) {
            store.appendEvents(events(0, 5)).join();
            store.appendEvents(List.of(event(ClusterEvent.REAPED, "other", 5))).join();

            ResourceStore.EventPage page = store.latestEvents(null, 2).join();
            assertThat(page.events()).extracting(ClusterEvent::seq).containsExactly(5L, 6L);
            assertThat(page.after()).isEqualTo(6);
            ResourceStore.EventPage ofF = store.latestEvents("f", 2).join();
            assertThat(ofF.events()).extracting(ClusterEvent::seq).containsExactly(4L, 5L);
            assertThat(ofF.after()).as("followers continue after the store's newest event").isEqualTo(6);
        }
    }

    @Test
    void keepsOnlyTheNewestEventsAndNeverReusesASeq() {
        try (ResourceStore store = ResourceStore.open(tmp, InstantSource.system(), ResourceStore.DEFAULT_LOG_RETENTION, 10)) {
            store.appendEvents(events(0, 8)).join();
            store.appendEvents(events(8, 15)).join();

            List<ClusterEvent> kept = store.readEvents(0, null, 100).join();
            assertThat(kept).extracting(ClusterEvent::seq).containsExactlyElementsOf(LongStream.rangeClosed(6, 15).boxed().toList());
            assertThat(kept.getFirst().detail()).isEqualTo("detail 5");
        }
        try (ResourceStore store = ResourceStore.open(tmp, InstantSource.system(), ResourceStore.DEFAULT_LOG_RETENTION, 10)) {
            assertThat(store.appendEvents(events(15, 16)).join().getFirst().seq()).isEqualTo(16);
        }
    }

    @Test
    void defaultRetentionIsTheNewestHundredThousand() {
        assertThat(ResourceStore.DEFAULT_EVENT_RETENTION).isEqualTo(100_000);
        try (ResourceStore store = ResourceStore.open(tmp)) {
            assertThat(store.eventRetention()).isEqualTo(100_000);
        }
    }

    @Test
    void eventsSurviveReopening() {
        List<ClusterEvent> stored;
        try (ResourceStore store = ResourceStore.open(tmp)) {
            stored = store.appendEvents(List.of(event(ClusterEvent.NODE_DEAD, null, 0), event(ClusterEvent.INSTANCE_EXITED, "api", 1))).join();
        }
        try (ResourceStore store = ResourceStore.open(tmp)) {
            assertThat(store.readEvents(0, null, 100).join()).isEqualTo(stored);
            assertThat(store.appendEvents(List.of(event(ClusterEvent.NODE_JOINED, null, 2))).join().getFirst().seq()).isEqualTo(3);
        }
    }

    @Test
    void aSubscriberGetsTheEventsAfterItsSeqThenNewOnesEachOnce() {
        try (ResourceStore store = ResourceStore.open(tmp)) {
            store.appendEvents(events(0, 3)).join();
            List<ClusterEvent> seen = new CopyOnWriteArrayList<>();
            AutoCloseable sub = store.subscribeEvents(1, seen::add).join();
            store.appendEvents(events(3, 5)).join();

            await().until(() -> seen.size() == 4);
            assertThat(seen).extracting(ClusterEvent::seq).containsExactly(2L, 3L, 4L, 5L);
            closeQuietly(sub);
            store.appendEvents(events(5, 6)).join();
            assertThat(store.readEvents(0, null, 100).join()).hasSize(6);
            assertThat(seen).as("closed: nothing more").hasSize(4);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
