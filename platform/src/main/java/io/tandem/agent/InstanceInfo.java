package io.tandem.agent;

/**
 * One instance as its agent reports it. {@code state}: starting, ready, stopping. {@code secret}: what the instance
 * obeys (specialization, leases, its control line); null for an http instance, whose server is the function's own.
 * Only the executor reads it, over the agent's authenticated API; it is never shown to users.
 */
public record InstanceInfo(String id, String environment, String function, String host, int port, long pid, String state, String secret) {
    @Override
    public String toString() {
        return "InstanceInfo[id=" + id + ", environment=" + environment + ", function=" + function + ", host=" + host + ", port=" + port
                + ", pid=" + pid + ", state=" + state + "]";
    }
}
