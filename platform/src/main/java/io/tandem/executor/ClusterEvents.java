package io.tandem.executor;

import io.tandem.model.ClusterEvent;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stamps the executor's {@link ClusterEvent}s with its clock and hands them to the {@link EventSink}. The sink queues
 * and returns (it drops the oldest events when its store falls behind), and what it throws is swallowed here: a
 * report about the cluster must never stop the executor from acting on it. Called on the executor's context.
 */
final class ClusterEvents {
    private static final Logger log = LoggerFactory.getLogger(ClusterEvents.class);
    private final EventSink sink;
    private final InstantSource clock;

    ClusterEvents(EventSink sink, InstantSource clock) {
        this.sink = sink;
        this.clock = clock;
    }

    void emit(String type, String function, String node, String instance, String detail) {
        try {
            sink.emit(ClusterEvent.of(clock.instant(), type, function, node, instance, detail));
        } catch (RuntimeException e) {
            log.debug("the event sink refused a {} event: {}", type, e.toString());
        }
    }
}
