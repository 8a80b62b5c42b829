package io.tandem.chaos;

import java.time.InstantSource;
import java.util.List;

/**
 * A node whose agent and instances are stopped with SIGSTOP until {@link #thaw()}. Thread-safe; thawing twice
 * returns the first result. Until thawed, a JVM shutdown hook holds the pids, so an interrupted caller (Ctrl-C on
 * {@code tandem chaos freeze-node}) leaves nothing stopped.
 */
public final class Freeze implements AutoCloseable {
    private final String node;
    private final List<Target> targets;
    private final long frozenAtMs;
    private final InstantSource clock;
    private final Thread onExit;
    private FreezeResult thawed;

    private Freeze(String node, List<Target> targets, InstantSource clock) {
        this.node = node;
        this.targets = List.copyOf(targets);
        this.clock = clock;
        this.onExit = new Thread(() -> Signals.resume(pids()), "tandem-chaos-thaw-" + node);
        Runtime.getRuntime().addShutdownHook(onExit);
        Signals.stop(pids());
        this.frozenAtMs = clock.millis();
    }

    static Freeze start(String node, List<Target> targets, InstantSource clock) {
        return new Freeze(node, targets, clock);
    }

    public String node() {
        return node;
    }

    public List<Target> targets() {
        return targets;
    }

    /** When SIGSTOP went out, in epoch milliseconds. */
    public long frozenAtMs() {
        return frozenAtMs;
    }

    /** Sends SIGCONT to every frozen process and returns what the freeze did. */
    public synchronized FreezeResult thaw() {
        if (thawed != null) return thawed;
        Signals.resume(pids());
        thawed = new FreezeResult("freeze-node", node, targets, frozenAtMs, clock.millis());
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway; a second SIGCONT is harmless
        }
        return thawed;
    }

    @Override
    public void close() {
        thaw();
    }

    private List<Long> pids() {
        return targets.stream().map(Target::pid).toList();
    }
}
