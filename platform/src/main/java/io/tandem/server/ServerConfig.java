package io.tandem.server;

import io.tandem.home.TandemHome;

/**
 * How {@code tandem server} runs. Ports may be 0 (any free port), as tests use them. {@code requestMetrics}: the
 * router records per-request meters for {@code /metrics} (default true; off only to measure what they cost).
 */
public record ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes, boolean requestMetrics) {
    public ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes) {
        this(home, host, routerPort, apiPort, nodes, true);
    }

    public static ServerConfig defaults(TandemHome home) {
        return new ServerConfig(home, "127.0.0.1", 8080, 8088, 2);
    }
}
