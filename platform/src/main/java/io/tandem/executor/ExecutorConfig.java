package io.tandem.executor;

import java.time.Duration;
import java.time.InstantSource;

/**
 * The executor's settings. {@code host}/{@code port}: where agents register (default 127.0.0.1, port 0 = any);
 * {@code packagesUrl}: the controller's base URL, from which agents fetch code (default http://127.0.0.1:8088);
 * {@code heartbeatInterval} 100 ms and {@code heartbeatMisses} 10: a node silent for longer than 1 s is dead (a
 * crashed agent is caught sooner, by its dropped event stream; a short silence under heavy load is not a death);
 * {@code loadBackoff}: after a launch or load failure, 1 s doubling to 30 s; {@code clock}: for heartbeats, idle
 * reaping and back-off; {@code processes}: where a late agent's or instance's process state is read, to confirm a
 * suspicion (default {@link ProcessStates#proc()}); {@code joinGrace} 10 s: how long a registered agent may take to
 * deliver its first event (a JVM starting on a busy machine); {@code crashWindow} 10 s: an instance that dies this
 * soon after it became ready counts as a failure, so a crash loop backs off; {@code failureMemory} 60 s: failures
 * further apart than this no longer add up.
 */
public record ExecutorConfig(String host, int port, String packagesUrl, Duration heartbeatInterval, int heartbeatMisses,
                             Backoff loadBackoff, NodeSelector placement, InstantSource clock, ProcessStates processes,
                             Duration joinGrace, Duration crashWindow, Duration failureMemory) {
    static final Duration DEFAULT_JOIN_GRACE = Duration.ofSeconds(10);
    static final Duration DEFAULT_CRASH_WINDOW = Duration.ofSeconds(10);
    static final Duration DEFAULT_FAILURE_MEMORY = Duration.ofSeconds(60);

    /** With the default join grace, crash window and failure memory. */
    public ExecutorConfig(String host, int port, String packagesUrl, Duration heartbeatInterval, int heartbeatMisses,
                          Backoff loadBackoff, NodeSelector placement, InstantSource clock, ProcessStates processes) {
        this(host, port, packagesUrl, heartbeatInterval, heartbeatMisses, loadBackoff, placement, clock, processes,
                DEFAULT_JOIN_GRACE, DEFAULT_CRASH_WINDOW, DEFAULT_FAILURE_MEMORY);
    }

    public static ExecutorConfig defaults() {
        return new ExecutorConfig("127.0.0.1", 0, "http://127.0.0.1:8088", Duration.ofMillis(100), 10,
                Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30)), NodeSelector.leastLoaded(),
                InstantSource.system(), ProcessStates.proc());
    }

    public ExecutorConfig withProcesses(ProcessStates p) {
        return new ExecutorConfig(host, port, packagesUrl, heartbeatInterval, heartbeatMisses, loadBackoff, placement, clock, p,
                joinGrace, crashWindow, failureMemory);
    }

    public ExecutorConfig withPackagesUrl(String url) {
        return new ExecutorConfig(host, port, url, heartbeatInterval, heartbeatMisses, loadBackoff, placement, clock, processes,
                joinGrace, crashWindow, failureMemory);
    }

    public ExecutorConfig withPort(int p) {
        return new ExecutorConfig(host, p, packagesUrl, heartbeatInterval, heartbeatMisses, loadBackoff, placement, clock, processes,
                joinGrace, crashWindow, failureMemory);
    }

    public ExecutorConfig withClock(InstantSource c) {
        return new ExecutorConfig(host, port, packagesUrl, heartbeatInterval, heartbeatMisses, loadBackoff, placement, c, processes,
                joinGrace, crashWindow, failureMemory);
    }

    public ExecutorConfig withLoadBackoff(Backoff b) {
        return new ExecutorConfig(host, port, packagesUrl, heartbeatInterval, heartbeatMisses, b, placement, clock, processes,
                joinGrace, crashWindow, failureMemory);
    }

    /** With {@code joinGrace}, {@code crashWindow} and {@code failureMemory} as given. */
    public ExecutorConfig withFailureTimings(Duration join, Duration crash, Duration memory) {
        return new ExecutorConfig(host, port, packagesUrl, heartbeatInterval, heartbeatMisses, loadBackoff, placement, clock, processes,
                join, crash, memory);
    }
}
