package io.tandem.server;

import io.tandem.http.FreePort;
import io.tandem.http.Tls;
import java.io.IOException;
import java.net.InetAddress;

/**
 * Where the API listens and how this machine's own roles reach it: in plain HTTP, on a port of its own on
 * 127.0.0.1 when the public one serves TLS ({@code tls} null for plain HTTP), with the API token they present.
 * Chosen once, before anything starts; a port of 0 becomes a free one.
 */
record Addresses(Tls tls, String token, int apiPort, String api, int localApiPort, String localApi) {
    /** Makes the certificate first when one is due, then the token; throws a {@link Server.StartException}. */
    static Addresses choose(ServerConfig config, ServerConfig.Transport transport) {
        Tls tls = tls(config, transport);
        String token = config.home().ensureToken();
        int apiPort = config.apiPort() == 0 ? freePort(config.host()) : config.apiPort();
        String api = scheme(tls) + "://" + config.host() + ":" + apiPort;
        int localApiPort = tls == null ? apiPort : freePort("127.0.0.1");
        String localApi = tls == null ? api : "http://127.0.0.1:" + localApiPort;
        return new Addresses(tls, token, apiPort, api, localApiPort, localApi);
    }

    static String scheme(Tls tls) {
        return tls == null ? "http" : "https";
    }

    /** The certificate to serve, or null for plain HTTP; made once when none is given off loopback. */
    private static Tls tls(ServerConfig config, ServerConfig.Transport transport) {
        try {
            return switch (transport) {
                case PLAIN -> null;
                case GIVEN_CERTIFICATE -> Tls.ofPem(config.edge().tlsCert(), config.edge().tlsKey());
                case SELF_SIGNED -> {
                    config.home().ensureToken(); // makes the home, private, before the key goes into it
                    yield SelfSignedCertificate.ensure(config.home(), config.host());
                }
            };
        } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
            throw new Server.StartException("cannot serve TLS: " + e.getMessage(), e);
        }
    }

    private static int freePort(String host) {
        try {
            return FreePort.on(InetAddress.getByName(host));
        } catch (IOException e) {
            throw new Server.StartException("cannot find a free port for the controller API on " + host + ": " + e.getMessage(), e);
        }
    }
}
