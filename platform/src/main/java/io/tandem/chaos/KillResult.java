package io.tandem.chaos;

import java.util.List;

/**
 * What a kill did, as {@code tandem chaos ... -o json} prints it. {@code action}: kill-instance, kill-node or
 * kill-controller;
 * {@code signalledAtMs}: when the first SIGKILL went out, {@code goneAtMs}: when the last target was seen gone
 * (both epoch milliseconds, from the machine's clock, so they line up with the server's events).
 */
public record KillResult(String action, String signal, List<Target> targets, long signalledAtMs, long goneAtMs) {
    public KillResult {
        targets = List.copyOf(targets);
    }

    /** The pids signalled, in the order they were. */
    public List<Long> pids() {
        return targets.stream().map(Target::pid).toList();
    }
}
