package io.tandem.cli;

import io.tandem.agent.AgentMain;
import io.tandem.async.AsyncCalls;
import io.tandem.model.Sizes;
import io.tandem.model.Durations;
import io.tandem.model.InvalidResourceException;
import io.tandem.server.Server;
import io.tandem.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Run Tandem on this machine: router and executor in this process; the controller and NODES agents",
                "as child processes (the controller restarted if it dies). Prints the URLs when ready; stops (with every",
                "instance) on Ctrl-C."})
final class ServerCommand implements Runnable {
    @Option(names = "--nodes", defaultValue = "2", description = "Agents (nodes) to start (default: ${DEFAULT-VALUE}).")
    int nodes;
    @Option(names = "--port", defaultValue = "8080", description = "Router port (default: ${DEFAULT-VALUE}).")
    int routerPort;
    @Option(names = "--api-port", defaultValue = "8088", description = "Controller API port (default: ${DEFAULT-VALUE}).")
    int apiPort;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = {"Address the router and the API listen on (default: ${DEFAULT-VALUE}).",
            "Off loopback both serve TLS: --tls-cert/--tls-key, else a self-signed certificate made once in TANDEM_HOME/tls."})
    String host;
    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate (chain) for the router and the API to serve, on any --host.")
    Path tlsCert;
    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM (PKCS#8) private key of --tls-cert.")
    Path tlsKey;
    @Option(names = "--no-tls", description = {"Serve plain HTTP. On loopback that is the default anyway; off loopback it is refused",
            "unless --insecure-plain-http is given too."})
    boolean noTls;
    @Option(names = "--insecure-plain-http", description = {"Serve plain HTTP off loopback: the API token and every call cross the network in",
            "clear text. Only behind a TLS-terminating proxy on a network you trust."})
    boolean insecurePlainHttp;
    @Option(names = "--max-client-connections", defaultValue = "" + ServerConfig.Edge.DEFAULT_ROUTER_CONNECTIONS_PER_CLIENT, paramLabel = "N",
            description = {"Most connections one client address may hold open on the router; more are closed at once.",
                    "0: no cap (behind a proxy, every client has its address). Default: ${DEFAULT-VALUE}."})
    int routerConnectionsPerClient;
    @Option(names = "--api-max-client-connections", defaultValue = "" + ServerConfig.Edge.DEFAULT_API_CONNECTIONS_PER_CLIENT, paramLabel = "N",
            description = "The same on the API and console port (0: no cap; default: ${DEFAULT-VALUE}).")
    int apiConnectionsPerClient;
    @Option(names = "--nats", defaultValue = "${env:TANDEM_NATS_URL:-nats://127.0.0.1:4222}",
            description = "NATS server for message queue triggers and async calls (default: $TANDEM_NATS_URL, else nats://127.0.0.1:4222). The server runs without it.")
    String nats;
    @Option(names = "--allow-private-callbacks", description = {"Let async calls post their results to loopback, link-local and private addresses",
            "(refused by default: the server makes that request itself). Tandem's own ports stay refused."})
    boolean allowPrivateCallbacks;
    @Option(names = "--async-retries", defaultValue = "3", paramLabel = "N",
            description = "Attempts after the first for an async call answered 429 or 5xx, or not at all (default: ${DEFAULT-VALUE}).")
    int asyncRetries;
    @Option(names = "--async-retry-delay", defaultValue = "1s", paramLabel = "DURATION",
            description = "Wait before an async call's first retry, doubled each time up to 1m (default: ${DEFAULT-VALUE}).")
    String asyncRetryDelay;
    @Option(names = "--package-quota", defaultValue = "2GB", paramLabel = "SIZE",
            description = {"Bytes of code packages the controller keeps in all, as 500MB or 4GB (default: ${DEFAULT-VALUE});",
                    "an upload past it is refused with 507. Packages no function uses are deleted an hour after their upload."})
    String packageQuota;
    @Option(names = "--metrics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Record per-request metrics for /metrics on the router's port (default: on; --no-metrics only to measure their cost).")
    boolean metrics;

    @Override
    public void run() {
        if (nodes < 0 || nodes > 32) throw new CommandFailedException("--nodes must be 0 to 32, was " + nodes, ExitCodes.USAGE);
        try {
            AgentMain.logCap(System.getenv("TANDEM_LOG_CAP")); // the agents read it; refused here, before any starts
        } catch (IllegalArgumentException e) {
            throw new CommandFailedException(e.getMessage(), ExitCodes.USAGE);
        }
        if (asyncRetries < 0 || asyncRetries > 100) throw new CommandFailedException("--async-retries must be 0 to 100, was " + asyncRetries, ExitCodes.USAGE);
        Duration retryDelay;
        try {
            retryDelay = Durations.parse("--async-retry-delay", asyncRetryDelay);
        } catch (InvalidResourceException e) {
            throw new CommandFailedException(e.getMessage(), ExitCodes.USAGE);
        }
        ServerConfig.Edge edge;
        try {
            edge = ServerConfig.Edge.defaults().withCertificate(tlsCert, tlsKey).withPlainHttp(noTls, insecurePlainHttp)
                    .withConnectionsPerClient(routerConnectionsPerClient, apiConnectionsPerClient);
            edge.transport(host); // refused here, before anything starts
        } catch (IllegalArgumentException e) {
            throw new CommandFailedException(e.getMessage(), ExitCodes.USAGE);
        }
        AsyncCalls.Settings d = AsyncCalls.Settings.defaults();
        ServerConfig config = new ServerConfig(Connection.home(), host, routerPort, apiPort, nodes, metrics, nats, allowPrivateCallbacks,
                new AsyncCalls.Settings(asyncRetries, retryDelay, d.maxRetryDelay(), d.concurrency(), d.callbackAttempts()), edge,
                size("--package-quota", packageQuota, 1L << 20));
        Server server;
        try {
            server = Server.start(config);
        } catch (Server.StartException e) {
            throw new CommandFailedException(e.getMessage(), ExitCodes.UNAVAILABLE);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "tandem-shutdown"));
        server.awaitStop();
    }

    /** Bytes, or with a KB, MB or GB suffix (powers of 1024), at least {@code min}. */
    static long size(String option, String text, long min) {
        long bytes = Sizes.bytes(text);
        if (bytes < min) {
            throw new CommandFailedException(option + " '" + text + "' is not a size of at least " + (min >> 20) + "MB; write it as 500MB or 4GB",
                    ExitCodes.USAGE);
        }
        return bytes;
    }
}
