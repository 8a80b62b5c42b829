package io.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.model.Change;
import io.tandem.model.ChangeFeed;
import io.tandem.model.Json;
import io.tandem.model.Resource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's change feed read over HTTP, for roles that outlive the controller: it keeps the last state it
 * saw, and when the controller goes away and comes back it resumes after the last revision it applied, so its
 * subscribers miss no change and see none twice.
 *
 * <p>Design. One reader thread owns the connection. It first lists every kind (each list carries the store's
 * revision), then watches from the lowest of those revisions. A change is applied only when its revision is newer
 * than the one held for that resource (deletions are kept as tombstones with their revision), so changes that a
 * resume or a re-list replays are dropped here. When the controller's log no longer reaches back far enough (410),
 * the reader lists again and hands subscribers the difference. Subscribers get a snapshot of the current state as
 * ADDED, then every applied change, in order, on a thread of their own ({@link ChangeFeed}'s contract).
 *
 * <p>Thread-safe. {@link #subscribe} and the reader's apply-and-dispatch hold one lock, so a subscriber's snapshot
 * and its first live change never overlap or leave a gap.
 */
public final class WatchFeed implements ChangeFeed, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WatchFeed.class);
    private static final List<String> COLLECTIONS = List.of("/v1/environments", "/v1/functions", "/v1/triggers/http", "/v1/triggers/time",
            "/v1/triggers/messagequeue");

    private final URI api;
    private final String token;
    private final Duration retryMax;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private final CompletableFuture<Void> firstSync = new CompletableFuture<>();
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    /** Guarded by {@code this}: the current resources and, per key, the revision of the last change applied. */
    private final Map<String, Resource> resources = new HashMap<>();
    private final Map<String, Long> revisions = new HashMap<>();
    private volatile long revision = -1;
    private volatile boolean connected;
    private int failures; // reader thread only: attempts failed in a row
    private final Object catchUpLock = new Object();
    private CompletableFuture<Void> catchingUp; // guarded by catchUpLock: the read in flight, or the last one
    private CompletableFuture<Void> nextCatchUp; // guarded by catchUpLock: the read that starts when it ends
    private volatile boolean closed;
    private final Thread reader;

    public WatchFeed(URI api, String token, Duration retryMax) {
        this.api = api;
        this.token = token;
        this.retryMax = retryMax;
        this.reader = Thread.ofPlatform().daemon().name("watch-feed").unstarted(this::run);
    }

    public WatchFeed start() {
        reader.start();
        return this;
    }

    /** Completes once the first full state has been read from the controller. */
    @Override
    public CompletableFuture<Void> synced() {
        return firstSync;
    }

    /** Whether a watch stream is open right now. */
    public boolean connected() {
        return connected;
    }

    /** The newest revision applied. */
    public long revision() {
        return revision;
    }

    @Override
    public AutoCloseable subscribe(Consumer<Change> listener) {
        Subscription s = new Subscription(listener);
        synchronized (this) {
            resources.values().stream()
                    .sorted(Comparator.comparingLong(r -> revisions.getOrDefault(key(r), 0L)))
                    .forEach(r -> s.deliver(new Change(revisions.getOrDefault(key(r), 0L), Change.Type.ADDED, r)));
            subscriptions.add(s);
        }
        return () -> {
            subscriptions.remove(s);
            s.close();
        };
    }

    /**
     * Reads the controller's current revision (a cheap list) and completes once that revision has been applied and
     * handed to every subscriber; fails when the controller does not answer or the feed does not catch up within two
     * seconds.
     *
     * <p>A catch-up proves only what was stored before its read. So callers share a read only if it starts after
     * they asked: one that comes while a read is in flight gets the next one, which starts when that one ends and
     * is shared by everyone who came meanwhile (at most two reads at a time, however many callers). Sharing the read
     * in flight instead let a caller who had just created a function be told it does not exist.
     */
    @Override
    public CompletableFuture<Void> caughtUp() {
        synchronized (catchUpLock) {
            if (catchingUp == null || catchingUp.isDone()) {
                catchingUp = readAndAwait();
                return catchingUp;
            }
            if (nextCatchUp == null) {
                CompletableFuture<Void> next = new CompletableFuture<>();
                nextCatchUp = next;
                catchingUp.whenComplete((v, e) -> {
                    CompletableFuture<Void> started;
                    synchronized (catchUpLock) {
                        if (nextCatchUp == next) nextCatchUp = null;
                        started = readAndAwait();
                        catchingUp = started;
                    }
                    started.whenComplete((v2, e2) -> {
                        if (e2 != null) next.completeExceptionally(e2);
                        else next.complete(null);
                    });
                });
                return next;
            }
            return nextCatchUp;
        }
    }

    private CompletableFuture<Void> readAndAwait() {
        return http.sendAsync(request("/v1/triggers/http").timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofByteArray())
                .thenCompose(resp -> {
                    if (resp.statusCode() != 200) return CompletableFuture.failedFuture(new IOException("HTTP " + resp.statusCode()));
                    try {
                        return awaitRevision(Json.MAPPER.readTree(resp.body()).path("revision").asLong());
                    } catch (IOException e) {
                        return CompletableFuture.failedFuture(e);
                    }
                })
                .thenCompose(v -> CompletableFuture.allOf(subscriptions.stream().map(Subscription::drained).toArray(CompletableFuture[]::new)))
                .orTimeout(2, TimeUnit.SECONDS);
    }

    private CompletableFuture<Void> awaitRevision(long wanted) {
        return CompletableFuture.runAsync(() -> {
            synchronized (this) {
                while (revision < wanted && !closed) {
                    try {
                        wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }, Thread::startVirtualThread);
    }

    @Override
    public void close() {
        closed = true;
        reader.interrupt();
        subscriptions.forEach(Subscription::close);
    }

    // ---- the reader thread ------------------------------------------------------------------------------

    private void run() {
        boolean needList = true;
        while (!closed) {
            try {
                if (needList) {
                    resync();
                    needList = false;
                    failures = 0;
                    firstSync.complete(null);
                }
                needList = watch();
            } catch (IOException | RuntimeException e) {
                connected = false;
                if (closed) return;
                if (failures++ == 0 && firstSync.isDone()) log.warn("lost the controller's change feed at revision {}: {}; retrying", revision, e.toString());
                if (!pause(backoff(failures))) return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Watches from the last applied revision; true when the controller's log no longer reaches back to it. */
    private boolean watch() throws IOException, InterruptedException {
        HttpResponse<InputStream> resp = http.send(request("/v1/watch?since=" + revision).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            if (resp.statusCode() == 410) {
                log.warn("the controller's change log no longer reaches revision {}: listing everything again", revision);
                return true;
            }
            if (resp.statusCode() != 200) throw new IOException("watch answered HTTP " + resp.statusCode());
            connected = true;
            if (failures > 0) log.info("the controller's change feed is back; resuming after revision {}", revision);
            failures = 0;
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isBlank()) continue; // keep-alive
                apply(Json.read(line, Change.class));
            }
        }
        connected = false;
        throw new IOException("the watch stream ended");
    }

    /** Lists every kind and applies the difference to what is held, as changes. */
    private void resync() throws IOException, InterruptedException {
        Map<String, Resource> listed = new HashMap<>();
        long lowest = Long.MAX_VALUE;
        for (String collection : COLLECTIONS) {
            HttpResponse<byte[]> resp = http.send(request(collection).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (resp.statusCode() != 200) throw new IOException("GET " + collection + " answered HTTP " + resp.statusCode());
            JsonNode body = Json.MAPPER.readTree(resp.body());
            lowest = Math.min(lowest, body.path("revision").asLong());
            for (JsonNode item : body.path("items")) {
                if (item instanceof ObjectNode o) o.remove("status"); // what the API reports beside a resource (a timer's next firing), not part of it
                Resource r = Json.MAPPER.treeToValue(item, Resource.class);
                listed.put(key(r), r);
            }
        }
        synchronized (this) {
            List<Change> difference = Resync.difference(resources, listed);
            // The listing is the whole truth now, even after a store reset: per-resource revisions restart from it.
            revisions.clear();
            listed.forEach((key, r) -> revisions.put(key, r.metadata().revision()));
            for (Change c : difference) dispatch(c);
            revision = lowest;
            notifyAll();
        }
    }

    private synchronized void apply(Change change) {
        String key = key(change.resource());
        if (change.revision() <= revisions.getOrDefault(key, -1L)) { // replayed by a resume or a re-list: applied already
            revision = Math.max(revision, change.revision());
            notifyAll();
            return;
        }
        revisions.put(key, change.revision());
        boolean known = resources.containsKey(key);
        if (change.type() == Change.Type.DELETED) {
            if (resources.remove(key) == null) {
                revision = Math.max(revision, change.revision());
                notifyAll();
                return;
            }
        } else {
            resources.put(key, change.resource());
        }
        Change.Type type = change.type() == Change.Type.DELETED ? Change.Type.DELETED : known ? Change.Type.MODIFIED : Change.Type.ADDED;
        subscriptions.forEach(s -> s.deliver(new Change(change.revision(), type, change.resource())));
        revision = Math.max(revision, change.revision());
        notifyAll();
    }

    /** Applies one change of a re-list's difference and hands it to every subscriber. */
    private void dispatch(Change c) {
        String key = key(c.resource());
        if (c.type() == Change.Type.DELETED) resources.remove(key);
        else resources.put(key, c.resource());
        subscriptions.forEach(s -> s.deliver(c));
    }

    static String key(Resource r) {
        return r.kind().name() + "/" + r.name();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(api.resolve(path)).header("Authorization", "Bearer " + token);
    }

    private Duration backoff(int failures) {
        long ms = Math.min(retryMax.toMillis(), 50L << Math.min(failures, 10));
        return Duration.ofMillis(ms);
    }

    private boolean pause(Duration d) {
        try {
            Thread.sleep(d);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** One subscriber's deliveries, in order, on a thread of its own. */
    private static final class Subscription {
        private final Consumer<Change> listener;
        private final ExecutorService thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("watch-subscriber").factory());

        Subscription(Consumer<Change> listener) {
            this.listener = listener;
        }

        void deliver(Change c) {
            thread.execute(() -> {
                try {
                    listener.accept(c);
                } catch (RuntimeException e) {
                    log.error("a change listener failed on {}", c, e);
                }
            });
        }

        /** Completes once every delivery queued before it has returned. */
        CompletableFuture<Void> drained() {
            try {
                return CompletableFuture.runAsync(() -> {
                }, thread);
            } catch (RejectedExecutionException e) {
                return CompletableFuture.completedFuture(null); // closed: nothing more will be delivered
            }
        }

        void close() {
            thread.shutdown();
        }
    }

    /** What changed between the state held and a fresh listing; deciding only. */
    static final class Resync {
        private Resync() {
        }

        static List<Change> difference(Map<String, Resource> held, Map<String, Resource> listed) {
            List<Change> out = new ArrayList<>();
            for (var e : held.entrySet()) {
                if (!listed.containsKey(e.getKey())) out.add(new Change(e.getValue().metadata().revision(), Change.Type.DELETED, e.getValue()));
            }
            for (var e : listed.entrySet()) {
                Resource before = held.get(e.getKey());
                if (before == null) out.add(new Change(e.getValue().metadata().revision(), Change.Type.ADDED, e.getValue()));
                else if (before.metadata().revision() != e.getValue().metadata().revision()) {
                    out.add(new Change(e.getValue().metadata().revision(), Change.Type.MODIFIED, e.getValue()));
                }
            }
            out.sort(Comparator.comparingLong(Change::revision));
            return out;
        }
    }
}
