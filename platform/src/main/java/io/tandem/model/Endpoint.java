package io.tandem.model;

/**
 * Where one instance of a function serves: {@code host:port} on node {@code node}. {@code epoch} orders the
 * promotions of a function's instances (0 when the strategy has none).
 */
public record Endpoint(String function, String instanceId, String node, String host, int port, long epoch) {
    public String authority() {
        return host + ":" + port;
    }
}
