package io.tandem.bench;

import java.time.Instant;
import java.util.List;

/**
 * Promotions of a run, and how many of them the injected fault explains; the rest are false failovers: a standby
 * took over from an active that had not failed (it was only slow, or its node busy).
 *
 * <p>A promotion before the fault cannot be its consequence, so only promotions at or after the fault's moment
 * count toward the ones it explains ({@link Fault#promotionsExplained}), the earliest first. Without a fault,
 * every promotion is false.
 */
record FalseFailovers(int promotions, int explained) {

    int count() {
        return promotions - explained;
    }

    /**
     * @param promotions when each promotion happened, as the cluster's events say
     * @param faultAt    when the fault was injected, or null when none was
     * @param explainable how many promotions the fault explains
     */
    static FalseFailovers of(List<Instant> promotions, Instant faultAt, int explainable) {
        if (explainable < 0) throw new IllegalArgumentException("explainable must be at least 0, not " + explainable);
        long afterTheFault = faultAt == null ? 0 : promotions.stream().filter(p -> !p.isBefore(faultAt)).count();
        return new FalseFailovers(promotions.size(), (int) Math.min(afterTheFault, explainable));
    }
}
