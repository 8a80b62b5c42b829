package io.tandem.model;

import java.util.List;

/**
 * Cluster events sent to the controller over HTTP ({@code POST /v1/events/batch}). {@code sender} names one run of
 * the process that saw them; the events carry the ids {@code firstId}, {@code firstId + 1}, ... in the order given,
 * so the controller stores a batch that was re-sent (its reply lost) only once.
 */
public record EventBatch(String sender, long firstId, List<ClusterEvent> events) {
    public EventBatch {
        events = List.copyOf(events);
    }
}
