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
 * suspicion (default {@link ProcessStates#proc()}).
 */
public record ExecutorConfig(String host, int port, String packagesUrl, Duration heartbeatInterval, int heartbeatMisses,
                             Backoff loadBackoff, NodeSelector placement, InstantSource clock, ProcessStates processes) {

    public static ExecutorConfig defaults() {
        return new ExecutorConfig("127.0.0.1", 0, "http://127.0.0.1:8088", Duration.ofMillis(100), 10,
                Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30)), NodeSelector.leastLoaded(),
                InstantSource.system(), ProcessStates.proc());
    }

    public ExecutorConfig withProcesses(ProcessStates p) {
        return new ExecutorConfig(host, port, packagesUrl, heartbeatInterval, heartbeatMisses, loadBackoff, placement, clock, p);
    }

    public ExecutorConfig withPackagesUrl(String url) {
        return new ExecutorConfig(host, port, url, heartbeatInterval, heartbeatMisses, loadBackoff, placement, clock, processes);
    }

    public ExecutorConfig withPort(int p) {
        return new ExecutorConfig(host, p, packagesUrl, heartbeatInterval, heartbeatMisses, loadBackoff, placement, clock, processes);
    }

    public ExecutorConfig withClock(InstantSource c) {
        return new ExecutorConfig(host, port, packagesUrl, heartbeatInterval, heartbeatMisses, loadBackoff, placement, c, processes);
    }

    public ExecutorConfig withLoadBackoff(Backoff b) {
        return new ExecutorConfig(host, port, packagesUrl, heartbeatInterval, heartbeatMisses, b, placement, clock, processes);
    }
}
