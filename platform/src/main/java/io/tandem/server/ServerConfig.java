package io.tandem.server;

import io.tandem.async.AsyncCalls;
import io.tandem.home.TandemHome;
import io.tandem.mqt.MessageQueueTriggers;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import io.tandem.packages.PackageStore;

/**
 * How {@code tandem server} runs. Ports may be 0 (any free port), as tests use them. {@code requestMetrics}: the
 * router records per-request meters for {@code /metrics} (default true; off only to measure what they cost).
 * {@code natsUrl}: where message queue triggers read NATS (default {@value MessageQueueTriggers#DEFAULT_NATS_URL});
 * the server starts and serves without it; async calls are kept there too. {@code allowPrivateCallbacks}: async
 * calls may name callback URLs on loopback, link-local and private addresses (default false, see
 * {@link io.tandem.async.CallbackGuard}). {@code async}: how async calls are retried and how many run at once.
 * {@code edge}: how the router and the API face their clients (TLS, connections per client).
 * {@code packageQuotaBytes}: how many bytes of code packages the controller keeps in all (default
 * {@value PackageStore#DEFAULT_QUOTA_BYTES}, 2 GiB); uploads past it are refused.
 */
public record ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes, boolean requestMetrics, String natsUrl,
                           boolean allowPrivateCallbacks, AsyncCalls.Settings async, Edge edge, long packageQuotaBytes) {
    public ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes, boolean requestMetrics, String natsUrl,
                        boolean allowPrivateCallbacks, AsyncCalls.Settings async) {
        this(home, host, routerPort, apiPort, nodes, requestMetrics, natsUrl, allowPrivateCallbacks, async, Edge.defaults(), PackageStore.DEFAULT_QUOTA_BYTES);
    }

    public ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes, boolean requestMetrics, String natsUrl) {
        this(home, host, routerPort, apiPort, nodes, requestMetrics, natsUrl, false, AsyncCalls.Settings.defaults());
    }

    public ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes, boolean requestMetrics) {
        this(home, host, routerPort, apiPort, nodes, requestMetrics, MessageQueueTriggers.DEFAULT_NATS_URL);
    }

    public ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes) {
        this(home, host, routerPort, apiPort, nodes, true);
    }

    public static ServerConfig defaults(TandemHome home) {
        return new ServerConfig(home, "127.0.0.1", 8080, 8088, 2);
    }

    public ServerConfig withNatsUrl(String url) {
        return new ServerConfig(home, host, routerPort, apiPort, nodes, requestMetrics, url, allowPrivateCallbacks, async, edge, packageQuotaBytes);
    }

    public ServerConfig withPrivateCallbacks(boolean allowed) {
        return new ServerConfig(home, host, routerPort, apiPort, nodes, requestMetrics, natsUrl, allowed, async, edge, packageQuotaBytes);
    }

    public ServerConfig withAsync(AsyncCalls.Settings settings) {
        return new ServerConfig(home, host, routerPort, apiPort, nodes, requestMetrics, natsUrl, allowPrivateCallbacks, settings, edge, packageQuotaBytes);
    }

    public ServerConfig withPackageQuota(long bytes) {
        return new ServerConfig(home, host, routerPort, apiPort, nodes, requestMetrics, natsUrl, allowPrivateCallbacks, async, edge, bytes);
    }

    public ServerConfig withEdge(Edge e) {
        return new ServerConfig(home, host, routerPort, apiPort, nodes, requestMetrics, natsUrl, allowPrivateCallbacks, async, e, packageQuotaBytes);
    }

    /** Whether {@code host} is a loopback address (127.0.0.0/8, ::1, a name resolving to one). */
    public static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--host " + host + " is no address of this machine: " + e.getMessage(), e);
        }
    }

    /** How the router and the API carry their traffic. */
    public enum Transport {
        /** Plain HTTP: on loopback, or off it with {@code --insecure-plain-http}. */
        PLAIN,
        /** TLS with the operator's certificate. */
        GIVEN_CERTIFICATE,
        /** TLS with a certificate made once in {@code TANDEM_HOME/tls}. */
        SELF_SIGNED
    }

    /**
     * How the router and the API face their clients.
     *
     * @param tlsCert                   PEM certificate (chain) to serve; with {@code tlsKey}, or neither. Default none
     * @param tlsKey                    PEM private key (PKCS#8) of {@code tlsCert}
     * @param plainHttp                 serve plain HTTP even off loopback ({@code --no-tls}); refused there unless
     *                                  {@code insecurePlainHttp}. Default false
     * @param insecurePlainHttp         the operator accepts that the token crosses the network in clear text
     *                                  ({@code --insecure-plain-http}, which implies {@code plainHttp}). Default false
     * @param routerConnectionsPerClient most connections one remote address holds open on the router, 0 for no cap;
     *                                  default {@value #DEFAULT_ROUTER_CONNECTIONS_PER_CLIENT}
     * @param apiConnectionsPerClient   the same on the API; default {@value #DEFAULT_API_CONNECTIONS_PER_CLIENT}
     */
    public record Edge(Path tlsCert, Path tlsKey, boolean plainHttp, boolean insecurePlainHttp, int routerConnectionsPerClient,
                       int apiConnectionsPerClient) {
        /** Above the benchmark's largest pool (512 connections from one address) and any browser or office NAT. */
        public static final int DEFAULT_ROUTER_CONNECTIONS_PER_CLIENT = 1024;
        /** The CLI, the console and this machine's own roles need a few each; a script in parallel some dozens. */
        public static final int DEFAULT_API_CONNECTIONS_PER_CLIENT = 256;

        public Edge {
            if (routerConnectionsPerClient < 0) {
                throw new IllegalArgumentException("--max-client-connections must be 0 (no cap) or more, was " + routerConnectionsPerClient);
            }
            if (apiConnectionsPerClient < 0) {
                throw new IllegalArgumentException("--api-max-client-connections must be 0 (no cap) or more, was " + apiConnectionsPerClient);
            }
            if ((tlsCert == null) != (tlsKey == null)) throw new IllegalArgumentException("give both --tls-cert FILE and --tls-key FILE, or neither");
        }

        public static Edge defaults() {
            return new Edge(null, null, false, false, DEFAULT_ROUTER_CONNECTIONS_PER_CLIENT, DEFAULT_API_CONNECTIONS_PER_CLIENT);
        }

        public Edge withCertificate(Path cert, Path key) {
            return new Edge(cert, key, plainHttp, insecurePlainHttp, routerConnectionsPerClient, apiConnectionsPerClient);
        }

        public Edge withPlainHttp(boolean plain, boolean insecure) {
            return new Edge(tlsCert, tlsKey, plain, insecure, routerConnectionsPerClient, apiConnectionsPerClient);
        }

        public Edge withConnectionsPerClient(int router, int api) {
            return new Edge(tlsCert, tlsKey, plainHttp, insecurePlainHttp, router, api);
        }

        /**
         * Decides how to serve on {@code host}: a given certificate always; plain HTTP on loopback, as ever; off
         * loopback TLS (a self-signed certificate when none is given), plain HTTP only with
         * {@code insecurePlainHttp}. Throws {@link IllegalArgumentException} saying what to change when the
         * settings contradict each other or ask for plain HTTP off loopback without that opt-out.
         */
        public Transport transport(String host) {
            boolean loopback = isLoopback(host);
            boolean plain = plainHttp || insecurePlainHttp;
            if (tlsCert != null) {
                if (plain) throw new IllegalArgumentException("--tls-cert asks for TLS, --no-tls and --insecure-plain-http for plain HTTP: choose one");
                return Transport.GIVEN_CERTIFICATE;
            }
            if (loopback || insecurePlainHttp) return Transport.PLAIN;
            if (plain) {
                throw new IllegalArgumentException("refusing to serve the API on " + host + " in plain HTTP: the API token would cross the network"
                        + " in clear text. Drop --no-tls to serve TLS (a self-signed certificate is made in TANDEM_HOME/tls), or give"
                        + " --tls-cert FILE --tls-key FILE, or keep --host on loopback; behind a TLS-terminating proxy on a network you"
                        + " trust, add --insecure-plain-http");
            }
            return Transport.SELF_SIGNED;
        }
    }
}
