package io.tandem.server;

import io.tandem.home.TandemHome;

/** How {@code tandem server} runs. Ports may be 0 (any free port), as tests use them. */
public record ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes) {
    public static ServerConfig defaults(TandemHome home) {
        return new ServerConfig(home, "127.0.0.1", 8080, 8088, 2);
    }
}
