package io.tandem.router;

import io.tandem.http.Tls;
import java.time.Duration;

/**
 * The router's settings.
 *
 * @param host             address to listen on; default {@code 127.0.0.1}
 * @param port             port to listen on, 0 for any free one; default 8080
 * @param maxBodyBytes     largest request body accepted, larger ones get 413, and largest response body relayed,
 *                         a larger one is refused with 502 or cut; default 6 MiB (as AWS Lambda)
 * @param poolSize         most connections from one event loop to one instance; default 256 (Vert.x's own
 *                         default of 5 would cap a slow function at 5 concurrent calls)
 * @param connectTimeout   how long to wait for a TCP connection to an instance before counting a timeout (a
 *                         suspicion the executor confirms); default 1 s. A call waiting for one of the pool's
 *                         connections waits {@link #poolWait()} before it is shed as overload
 * @param serverInstances  HTTP server verticles, one per event loop, each with its own client and pool; default
 *                         the number of processors
 * @param requestMetrics   record calls, errors and durations per request for {@code /metrics}; default true. Off,
 *                         {@code /metrics} still serves the process's other meters (the benchmark compares both)
 * @param tls              the certificate to serve on {@code host}, or null for plain HTTP (the default). With one, the
 *                         router also listens in plain HTTP on 127.0.0.1 ({@link Router#internalPort()}) for this
 *                         machine's own callers (timers, message queue triggers, async calls)
 * @param connectionsPerClient most connections one remote address may hold open, 0 for no cap; default 0 (the
 *                         server sets its own)
 */
public record RouterConfig(
        String host,
        int port,
        long maxBodyBytes,
        int poolSize,
        Duration connectTimeout,
        int serverInstances,
        boolean requestMetrics,
        Tls tls,
        int connectionsPerClient) {

    public static final long DEFAULT_MAX_BODY_BYTES = 6L * 1024 * 1024;

    public RouterConfig {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
        if (maxBodyBytes < 0) throw new IllegalArgumentException("maxBodyBytes must be at least 0, was " + maxBodyBytes);
        if (poolSize < 1) throw new IllegalArgumentException("poolSize must be at least 1, was " + poolSize);
        if (connectTimeout.isNegative() || connectTimeout.isZero()) throw new IllegalArgumentException("connectTimeout must be positive");
        if (serverInstances < 1) throw new IllegalArgumentException("serverInstances must be at least 1, was " + serverInstances);
        if (connectionsPerClient < 0) throw new IllegalArgumentException("connectionsPerClient must be at least 0, was " + connectionsPerClient);
    }

    /** How long a call may wait for a pooled connection to an instance: twice the connect timeout. */
    public Duration poolWait() {
        return connectTimeout.multipliedBy(2);
    }

    /** The most calls the router can have open to one instance: a pool's worth per event loop. */
    public int maxConnections() {
        return (int) Math.min(Integer.MAX_VALUE, (long) poolSize * serverInstances);
    }

    public static RouterConfig defaults() {
        return new RouterConfig("127.0.0.1", 8080, DEFAULT_MAX_BODY_BYTES, 256, Duration.ofSeconds(1),
                Runtime.getRuntime().availableProcessors(), true, null, 0);
    }

    public RouterConfig withHost(String host) {
        return new RouterConfig(host, port, maxBodyBytes, poolSize, connectTimeout, serverInstances, requestMetrics, tls, connectionsPerClient);
    }

    public RouterConfig withPort(int port) {
        return new RouterConfig(host, port, maxBodyBytes, poolSize, connectTimeout, serverInstances, requestMetrics, tls, connectionsPerClient);
    }

    public RouterConfig withMaxBodyBytes(long maxBodyBytes) {
        return new RouterConfig(host, port, maxBodyBytes, poolSize, connectTimeout, serverInstances, requestMetrics, tls, connectionsPerClient);
    }

    public RouterConfig withPoolSize(int poolSize) {
        return new RouterConfig(host, port, maxBodyBytes, poolSize, connectTimeout, serverInstances, requestMetrics, tls, connectionsPerClient);
    }

    public RouterConfig withConnectTimeout(Duration connectTimeout) {
        return new RouterConfig(host, port, maxBodyBytes, poolSize, connectTimeout, serverInstances, requestMetrics, tls, connectionsPerClient);
    }

    public RouterConfig withServerInstances(int serverInstances) {
        return new RouterConfig(host, port, maxBodyBytes, poolSize, connectTimeout, serverInstances, requestMetrics, tls, connectionsPerClient);
    }

    public RouterConfig withRequestMetrics(boolean requestMetrics) {
        return new RouterConfig(host, port, maxBodyBytes, poolSize, connectTimeout, serverInstances, requestMetrics, tls, connectionsPerClient);
    }

    public RouterConfig withTls(Tls tls) {
        return new RouterConfig(host, port, maxBodyBytes, poolSize, connectTimeout, serverInstances, requestMetrics, tls, connectionsPerClient);
    }

    public RouterConfig withConnectionsPerClient(int connectionsPerClient) {
        return new RouterConfig(host, port, maxBodyBytes, poolSize, connectTimeout, serverInstances, requestMetrics, tls, connectionsPerClient);
    }
}
