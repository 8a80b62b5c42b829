package io.tandem.agent;

/** One instance as its agent reports it. {@code state}: starting, ready, stopping. */
public record InstanceInfo(String id, String environment, String function, String host, int port, long pid, String state) {
}
