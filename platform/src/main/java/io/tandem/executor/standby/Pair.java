package io.tandem.executor.standby;

/**
 * One function's active-standby pair as the executor holds it: either member may be missing (lost, or not started
 * yet). {@code epoch} is the epoch of the current active; each promotion increments it.
 */
public record Pair(String function, Member active, Member standby, long epoch) {
    public static Pair empty(String function) {
        return new Pair(function, null, null, 0);
    }

    public Pair withoutActive() {
        return new Pair(function, null, standby, epoch);
    }

    public Pair withoutStandby() {
        return new Pair(function, active, null, epoch);
    }
}
