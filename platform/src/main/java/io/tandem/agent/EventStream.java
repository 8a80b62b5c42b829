package io.tandem.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The executor's event stream, one reader at a time, and the events queued while none reads (the oldest dropped past
 * {@value #MAX_QUEUED_EVENTS}). Touched on the agent's context only.
 */
final class EventStream {
    /** Where a reader takes the events. */
    interface Sink {
        void send(AgentEvent event);

        void end();
    }

    private static final int MAX_QUEUED_EVENTS = 10_000;

    private final Deque<AgentEvent> queued = new ArrayDeque<>();
    private Sink sink;
    /** When a reader last got a heartbeat, came or went. */
    private Instant lastSeen;

    EventStream(Instant now) {
        lastSeen = now;
    }

    boolean isOpen() {
        return sink != null;
    }

    /** Makes {@code s} the reader, ending any earlier one, and sends it {@code hello} and then what was queued. */
    void attach(Sink s, AgentEvent hello, Instant now) {
        if (sink != null) sink.end();
        sink = s;
        lastSeen = now;
        s.send(hello);
        while (!queued.isEmpty() && sink != null) sink.send(queued.poll());
    }

    /** The reader {@code s} went away; events queue until the next one comes. */
    void detach(Sink s, Instant now) {
        if (sink == s) {
            sink = null;
            lastSeen = now;
        }
    }

    /** Sends {@code e} to the reader, or queues it while there is none. */
    void emit(AgentEvent e) {
        if (sink == null) {
            if (queued.size() >= MAX_QUEUED_EVENTS) queued.poll();
            queued.add(e);
        } else {
            sink.send(e);
        }
    }

    /** Sends a heartbeat to the reader, which must be there. */
    void heartbeat(AgentEvent e, Instant now) {
        sink.send(e);
        lastSeen = now;
    }

    /** How long no reader has been there. */
    Duration closedFor(Instant now) {
        return Duration.between(lastSeen, now);
    }
}
