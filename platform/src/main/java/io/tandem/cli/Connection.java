package io.tandem.cli;

import io.tandem.client.ServerTrust;
import io.tandem.client.TandemClient;
import io.tandem.home.ServerInfo;
import io.tandem.home.TandemHome;
import io.tandem.model.Resource;
import java.net.URI;

/** How a CLI command finds the server: through {@code TANDEM_HOME}, where the server records its addresses. */
final class Connection {
    private Connection() {
    }

    static TandemHome home() {
        return TandemHome.fromEnvironment();
    }

    static TandemClient client() {
        return TandemClient.fromHome(home());
    }

    /** The API path of one resource. */
    static String path(Resource.Kind kind, String name) {
        return kind.collectionPath() + "/" + TandemClient.encode(name);
    }

    /** Deletes one resource; an {@link io.tandem.http.ApiException} says why not. */
    static void delete(Resource.Kind kind, String name) {
        client().delete(path(kind, name));
    }

    /** Which certificate an {@code https} router or API may show ({@link ServerTrust#fromEnvironment}). */
    static ServerTrust trust() {
        return ServerTrust.fromEnvironment(ServerInfo.readFrom(home()));
    }

    /** The router's base URL; {@code TANDEM_ROUTER_URL} overrides it. */
    static URI router() {
        String override = System.getenv("TANDEM_ROUTER_URL");
        if (override != null && !override.isBlank()) return URI.create(override);
        return ServerInfo.readFrom(home()).map(i -> URI.create(i.router()))
                .orElseThrow(() -> new CommandFailedException("no Tandem server is running for TANDEM_HOME=" + home().root()
                        + ": start one with './tandem server'", ExitCodes.UNAVAILABLE));
    }
}
