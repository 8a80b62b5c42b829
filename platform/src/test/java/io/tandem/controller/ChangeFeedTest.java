package io.tandem.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.model.Change;
import io.tandem.model.Json;
import io.tandem.model.Resource;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ChangeFeedTest {
    /** The environments every store starts with, each one change. */
    private static final int BUILT_INS = Admission.BUILT_IN_ENVIRONMENTS.size();

    @RegisterExtension
    final RunningController api = new RunningController();

    /** Collects what one subscription delivers, and on which threads. */
    static final class Recorder {
        final List<Change> changes = new CopyOnWriteArrayList<>();
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        void accept(Change c) {
            threads.add(Long.toString(Thread.currentThread().threadId()));
            changes.add(c);
        }

        Map<String, Resource> replay() {
            Map<String, Resource> state = new TreeMap<>();
            for (Change c : changes) {
                String key = c.resource().kind() + "/" + c.resource().name();
                if (c.type() == Change.Type.DELETED) state.remove(key);
                else state.put(key, c.resource());
            }
            return state;
        }
    }

    private int put(String name, String command) throws Exception {
        HttpRequest req = api.request("/v1/environments/" + name)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"spec\":{\"runtime\":\"exec\",\"command\":\"" + command + "\"}}")).build();
        return api.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void deliversTheSnapshotThenEveryChangeOnceInOrderUnderConcurrentWriters() throws Exception {
        Recorder early = new Recorder();
        Recorder late = new Recorder();
        AutoCloseable first = api.controller().changes().subscribe(early::accept);
        int writers = 4;
        int perWriter = 15;
        CountDownLatch halfway = new CountDownLatch(writers);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            done.add(pool.submit(() -> {
                for (int i = 0; i < perWriter; i++) {
                    // every writer also rewrites a shared name, so MODIFIED changes race with each other
                    assertThat(put("w" + id + "-" + i, "run " + i)).isIn(200, 201);
                    assertThat(put("shared", "by " + id + " " + i)).isIn(200, 201);
                    if (i == perWriter / 2) halfway.countDown();
                }
                return null;
            }));
        }
        halfway.await();
        AutoCloseable second = api.controller().changes().subscribe(late::accept);
        for (Future<?> f : done) f.get();
        pool.shutdown();

        long revision = storeRevision();
        await().atMost(Duration.ofSeconds(20)).until(() -> last(early) == revision && last(late) == revision);

        // the early subscriber: the built-ins as ADDED, then every later revision exactly once
        assertThat(early.changes.subList(0, BUILT_INS)).allMatch(c -> c.type() == Change.Type.ADDED);
        List<Long> live = early.changes.subList(BUILT_INS, early.changes.size()).stream().map(Change::revision).toList();
        assertThat(live).isEqualTo(LongStream.rangeClosed(BUILT_INS + 1, revision).boxed().toList());
        // the late subscriber: a snapshot in revision order, then no gap and no repeat up to the end
        List<Long> revs = late.changes.stream().map(Change::revision).toList();
        assertThat(revs).isSorted().doesNotHaveDuplicates();
        Map<String, Resource> stored = storeState();
        assertThat(late.replay()).isEqualTo(stored);
        assertThat(early.replay()).isEqualTo(stored);
        assertThat(early.threads).hasSize(1);
        assertThat(late.threads).hasSize(1);
        first.close();
        second.close();
    }

    @Test
    void stopsDeliveringOnceClosed() throws Exception {
        Recorder r = new Recorder();
        AutoCloseable sub = api.controller().changes().subscribe(r::accept);
        await().until(() -> r.changes.size() == BUILT_INS);
        sub.close();
        put("after", "x");
        Recorder check = new Recorder();
        try (AutoCloseable s = api.controller().changes().subscribe(check::accept)) {
            await().until(() -> check.changes.size() == BUILT_INS + 1);
        }
        assertThat(r.changes).hasSize(BUILT_INS);
    }

    private static long last(Recorder r) {
        return r.changes.isEmpty() ? -1 : r.changes.getLast().revision();
    }

    private long storeRevision() throws Exception {
        return Json.MAPPER.readTree(get("/v1/environments")).path("revision").asLong();
    }

    private Map<String, Resource> storeState() throws Exception {
        Recorder snapshot = new Recorder();
        try (AutoCloseable s = api.controller().changes().subscribe(snapshot::accept)) {
            long count = Json.MAPPER.readTree(get("/v1/environments")).path("items").size();
            await().until(() -> snapshot.changes.size() == count);
        }
        return snapshot.replay();
    }

    private String get(String path) throws Exception {
        return api.send("GET", path, null).body();
    }
}
