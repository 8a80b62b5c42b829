package io.tandem.controller;

import io.tandem.controller.store.ResourceStore;
import io.tandem.model.ClusterEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes cluster events from whoever reports them and writes them to the store in batches, one transaction each.
 *
 * <p>Thread-safe; {@link #record} never blocks and never throws, because its callers (the executor, on its event
 * loop) must not slow down to be observed. Events wait in a bounded queue; while one batch is being written the next
 * one gathers. When the store falls so far behind that the queue is full, the <em>oldest</em> waiting event is
 * dropped (the newest say most about the present) and counted; the next batch then starts with an
 * {@code events-dropped} event saying how many are missing, so a reader sees the gap.
 */
public final class EventRecorder {
    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    /** Events waiting for the store, at most. */
    public static final int DEFAULT_CAPACITY = 10_000;
    /** Events written in one transaction, at most. */
    static final int MAX_BATCH = 1_000;

    private final int capacity;
    private final ArrayDeque<ClusterEvent> queue = new ArrayDeque<>();
    private final AtomicLong dropped = new AtomicLong();
    private long droppedUnreported; // guarded by this
    private boolean writing; // guarded by this: a batch is on its way to the store
    private ResourceStore store; // guarded by this; null until started and after stopped

    EventRecorder(int capacity) {
        this.capacity = capacity;
    }

    /** Queues {@code event} for the store; drops the oldest queued event when the queue is full. Any thread. */
    public void record(ClusterEvent event) {
        boolean startWriting;
        synchronized (this) {
            if (queue.size() >= capacity) {
                queue.pollFirst();
                droppedUnreported++;
                if (dropped.getAndIncrement() % capacity == 0) log.warn("the store falls behind: dropping the oldest cluster events");
            }
            queue.addLast(event);
            startWriting = !writing && store != null;
            if (startWriting) writing = true;
        }
        if (startWriting) writeNextBatch();
    }

    /** How many events were dropped since this recorder was made, because the store fell behind. */
    public long dropped() {
        return dropped.get();
    }

    void start(ResourceStore s) {
        boolean startWriting;
        synchronized (this) {
            store = s;
            startWriting = !writing && !queue.isEmpty();
            if (startWriting) writing = true;
        }
        if (startWriting) writeNextBatch();
    }

    synchronized void stop() {
        store = null;
    }

    /** Writes one batch and, when it is done, the next; stops when the queue is empty. */
    private void writeNextBatch() {
        List<ClusterEvent> batch;
        ResourceStore s;
        synchronized (this) {
            s = store;
            if (s == null || queue.isEmpty()) {
                writing = false;
                return;
            }
            batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH) + 1);
            if (droppedUnreported > 0) {
                batch.add(ClusterEvent.of(queue.peekFirst().at(), ClusterEvent.EVENTS_DROPPED, null, null, null,
                        droppedUnreported + " events before this one were dropped: the store fell behind"));
                droppedUnreported = 0;
            }
            while (batch.size() < MAX_BATCH && !queue.isEmpty()) batch.add(queue.pollFirst());
        }
        s.appendEvents(batch).whenComplete((stored, failure) -> {
            if (failure != null) log.warn("lost {} cluster events: {}", batch.size(), failure.getMessage());
            writeNextBatch();
        });
    }
}
