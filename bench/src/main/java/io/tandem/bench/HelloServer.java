package io.tandem.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;

/**
 * The trivial function of the router-hop benchmark: an {@code http}-runtime instance answering every request with
 * a short body, on one event loop so the router, not the function, is what the benchmark measures.
 */
public final class HelloServer {
    private static final Buffer BODY = Buffer.buffer("hello\n");

    private HelloServer() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(System.getenv("PORT"));
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        vertx.createHttpServer()
                .requestHandler(req -> req.response().putHeader("content-type", "text/plain").end(BODY))
                .listen(port, "127.0.0.1")
                .await();
    }
}
