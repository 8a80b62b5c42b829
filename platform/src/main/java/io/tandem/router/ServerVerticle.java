package io.tandem.router;

import io.tandem.http.ClientConnections;
import io.tandem.http.HeadDeadline;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event loop's share of the router: an HTTP server (sharing the router's port with its siblings) and its own
 * HTTP client, so a request and its proxied call stay on one thread with no hand-off. Everything here runs on
 * this verticle's event loop; what a request meets is {@code requestPath}'s, made for this loop's client (see
 * {@link Router}).
 */
final class ServerVerticle extends VerticleBase {
    private static final Logger log = LoggerFactory.getLogger(ServerVerticle.class);
    private final RouterConfig config;
    private final int port;
    private final int localPort;
    /** Connections per remote address on the public port, and on the loopback one. */
    private final ClientConnections clients;
    private final ClientConnections localClients;
    private final Function<HttpClient, Handler<HttpServerRequest>> requestPath;
    private HttpServer server;
    /** Plain HTTP on 127.0.0.1 beside a TLS server, for this machine's own callers; null without TLS. */
    private HttpServer localServer;
    private HttpClient client;

    /** {@code localPort}: the loopback server's port (0 any, negative a shared random one), only with TLS. */
    ServerVerticle(RouterConfig config, int port, int localPort, ClientConnections clients, ClientConnections localClients,
                   Function<HttpClient, Handler<HttpServerRequest>> requestPath) {
        this.config = config;
        this.port = port;
        this.localPort = localPort;
        this.clients = clients;
        this.localClients = localClients;
        this.requestPath = requestPath;
    }

    int actualPort() {
        return server.actualPort();
    }

    /** The loopback server's port, or -1 without one. */
    int actualLocalPort() {
        return localServer == null ? -1 : localServer.actualPort();
    }

    @Override
    public Future<?> start() {
        client = upstreamClient(vertx, config);
        Handler<HttpServerRequest> handler = requestPath.apply(client);
        HttpServerOptions options = HeadDeadline.options().setHost(config.host()).setPort(port);
        server = listener(config.tls() == null ? options : config.tls().applyTo(options), clients, handler);
        if (config.tls() == null) return server.listen();
        localServer = listener(HeadDeadline.options().setHost("127.0.0.1").setPort(localPort), localClients, handler);
        return server.listen().compose(s -> localServer.listen());
    }

    /**
     * The client of one event loop's calls to instances. An instance that is killed or restarts resets the pooled
     * connections it held. A call in flight on one fails through its request, and its strategy answers for it; an idle
     * one only leaves the pool. Without a handler of its own, Vert.x would log each reset as an ERROR with no call
     * behind it, so the connection's own failures are logged at debug.
     */
    static HttpClient upstreamClient(Vertx vertx, RouterConfig config) {
        return vertx.httpClientBuilder()
                .with(new HttpClientOptions().setTcpNoDelay(true).setKeepAlive(true).setDecompressionSupported(false)
                        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis())))
                .with(new PoolOptions().setHttp1MaxSize(config.poolSize()))
                .withConnectHandler(connection -> connection.exceptionHandler(failure ->
                        log.debug("connection to instance {} failed: {}", connection.remoteAddress(), failure.toString())))
                .build();
    }

    private HttpServer listener(HttpServerOptions options, ClientConnections connections, Handler<HttpServerRequest> handler) {
        // The router serves no WebSocket: without compression extensions to offer, Vert.x leaves the WebSocket
        // extension handler, which every request and response would pass through, out of each connection.
        HttpServer s = vertx.createHttpServer(options.setTcpNoDelay(true).setCompressionSupported(false).setHandle100ContinueAutomatically(false)
                .setPerFrameWebSocketCompressionSupported(false).setPerMessageWebSocketCompressionSupported(false));
        s.requestHandler(HeadDeadline.install(vertx, s, HeadDeadline.DEFAULT_HEAD, HeadDeadline.DEFAULT_KEEP_ALIVE, connections, handler));
        return s;
    }

    @Override
    public Future<?> stop() {
        Future<Void> local = localServer == null ? Future.succeededFuture() : localServer.close();
        return Future.join(server.close(), local).eventually(() -> client.close());
    }
}
