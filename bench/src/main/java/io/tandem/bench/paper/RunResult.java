package io.tandem.bench.paper;

import java.util.List;

/**
 * What one run recorded: every call of its load, the resource samples, the fault (when, in ns from the start, and
 * what it struck; -1 for none) and, for the guestbook, what the store holds afterwards.
 */
record RunResult(App app, String strategy, Scenario scenario, int repetition, String tag, long durationNanos,
                 long faultNanos, String faultDetail, List<OpenLoop.Call> calls, List<ResourceSampler.Tick> ticks,
                 StoreCheck store, boolean interrupted) {

    /**
     * The guestbook's list after a run, against the ADDs the clients sent: {@code acknowledged} ADDs answered 2xx,
     * {@code lost} of them not in the list, {@code duplicated} ids stored more than once, and {@code unacknowledged}
     * messages stored although their ADD got no 2xx (it ran, the answer was lost).
     */
    record StoreCheck(int acknowledged, int stored, int lost, int duplicated, int unacknowledged) {
    }

    boolean hasFault() {
        return faultNanos >= 0;
    }

    String key() {
        return app.wireName() + " / " + strategy + " / " + scenario.wireName();
    }
}
