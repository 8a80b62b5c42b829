package io.tandem.executor;

import io.tandem.model.ClusterEvent;
import io.tandem.model.EventBatch;
import io.tandem.model.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventSink} that ships events to a controller in another process ({@code POST /v1/events/batch}) and
 * holds them while that controller is down or restarting.
 *
 * <p>Design. {@link #emit} only queues (bounded: when full, the oldest waiting event is dropped and counted, and the
 * next batch starts with an {@code events-dropped} event, as the controller's own recorder does). One sender thread
 * takes up to {@value #MAX_BATCH} events, numbers them once (ids consecutive for this sender) and posts that batch,
 * unchanged, until the controller acknowledges it, pausing with back-off in between; so a batch whose reply was lost
 * is sent again and stored once, and no event is stored twice. Thread-safe.
 */
public final class EventUplink implements EventSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventUplink.class);
    /** Events waiting for the controller, at most. */
    public static final int DEFAULT_CAPACITY = 10_000;
    static final int MAX_BATCH = 1_000;
    private static final Duration RETRY_MAX = Duration.ofSeconds(1);

    private final URI endpoint;
    private final String token;
    private final int capacity;
    private final String sender = UUID.randomUUID().toString();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private final Thread thread = Thread.ofPlatform().daemon().name("event-uplink").unstarted(this::run);
    private final ArrayDeque<ClusterEvent> queue = new ArrayDeque<>(); // guarded by this
    private long droppedUnreported; // guarded by this
    private long dropped; // guarded by this
    private long nextId = 1; // sender thread only
    private EventBatch inFlight; // guarded by this: numbered, not yet acknowledged
    private volatile boolean closed;
    private boolean delivered; // sender thread only: a batch got through once (before that, the controller is starting)

    /** {@code api}: the controller's base URL. */
    public EventUplink(URI api, String token, int capacity) {
        this.endpoint = api.resolve("/v1/events/batch");
        this.token = token;
        this.capacity = capacity;
    }

    public EventUplink start() {
        thread.start();
        return this;
    }

    @Override
    public void emit(ClusterEvent event) {
        synchronized (this) {
            if (queue.size() >= capacity) {
                queue.pollFirst();
                droppedUnreported++;
                if (dropped++ % capacity == 0) log.warn("the controller is unreachable for long: dropping the oldest cluster events");
            }
            queue.addLast(event);
            notifyAll();
        }
    }

    /** How many events were dropped because the controller was away while the queue filled. */
    public synchronized long dropped() {
        return dropped;
    }

    /** Waits up to {@code timeout} until every event emitted so far is acknowledged; false if some are left. */
    public synchronized boolean flush(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!queue.isEmpty() || inFlight != null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }

    private void run() {
        int failures = 0;
        while (!closed) {
            try {
                EventBatch batch = nextBatch();
                String failure = send(batch);
                if (failure == null) {
                    synchronized (this) {
                        inFlight = null;
                        notifyAll();
                    }
                    if (failures > 0 && delivered) log.info("the controller takes cluster events again");
                    failures = 0;
                    delivered = true;
                } else {
                    if (failures++ == 0 && delivered) log.warn("cannot send cluster events to {}: {}; holding them and retrying", endpoint, failure);
                    Thread.sleep(Math.min(RETRY_MAX.toMillis(), 50L << Math.min(failures, 10)));
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The batch that is not yet acknowledged, or a new one numbered from the queue; waits for events. */
    private synchronized EventBatch nextBatch() throws InterruptedException {
        if (inFlight != null) return inFlight;
        while (queue.isEmpty()) wait();
        List<ClusterEvent> events = new ArrayList<>(Math.min(queue.size(), MAX_BATCH) + 1);
        if (droppedUnreported > 0) {
            events.add(ClusterEvent.of(queue.peekFirst().at(), ClusterEvent.EVENTS_DROPPED, null, null, null,
                    droppedUnreported + " events before this one were dropped: the controller was unreachable"));
            droppedUnreported = 0;
        }
        while (events.size() < MAX_BATCH && !queue.isEmpty()) events.add(queue.pollFirst());
        inFlight = new EventBatch(sender, nextId, events);
        nextId += events.size();
        return inFlight;
    }

    /** Null once the controller acknowledged the batch, else why not. */
    private String send(EventBatch batch) throws InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(batch))).build();
        try {
            HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() == 200) return null;
            if (resp.statusCode() >= 400 && resp.statusCode() < 500) {
                // Refused as it is: re-sending it would never succeed, and would hold back every later event.
                log.warn("the controller refused {} cluster events (HTTP {}): {}", batch.events().size(), resp.statusCode(), resp.body());
                return null;
            }
            return "HTTP " + resp.statusCode() + " " + resp.body();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
