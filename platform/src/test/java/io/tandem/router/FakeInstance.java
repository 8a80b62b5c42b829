package io.tandem.router;

import io.tandem.model.Endpoint;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A function instance: a real HTTP server on a free port, with the last request's head recorded. */
final class FakeInstance implements AutoCloseable {
    final String name;
    final HttpServer server;
    final AtomicInteger hits = new AtomicInteger();
    final AtomicReference<MultiMap> lastHeaders = new AtomicReference<>();
    final AtomicReference<String> lastUri = new AtomicReference<>();
    private volatile boolean closed;

    private FakeInstance(String name, HttpServer server) {
        this.name = name;
        this.server = server;
    }

    /** Answers every request with {@code <name> <METHOD> <uri>}. */
    static FakeInstance echo(Vertx vertx, String name) {
        return start(vertx, name, req -> req.body().onSuccess(b -> req.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
                .end(name + " " + req.method() + " " + req.uri())));
    }

    static FakeInstance start(Vertx vertx, String name, Handler<HttpServerRequest> handler) {
        AtomicReference<FakeInstance> self = new AtomicReference<>();
        HttpServer server = vertx.createHttpServer().requestHandler(req -> {
            FakeInstance i = self.get();
            i.hits.incrementAndGet();
            i.lastHeaders.set(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
            i.lastUri.set(req.uri());
            handler.handle(req);
        });
        server.listen(0, "127.0.0.1").await();
        FakeInstance instance = new FakeInstance(name, server);
        self.set(instance);
        return instance;
    }

    Endpoint endpoint() {
        return endpoint(0);
    }

    /** This instance as its function's endpoint for {@code epoch}; each instance is on a node of its own. */
    Endpoint endpoint(long epoch) {
        int port = server.actualPort();
        return new Endpoint(name, name + "-" + port, "n-" + port, "127.0.0.1", port, epoch);
    }

    @Override
    public void close() {
        server.close().await();
        closed = true;
    }

    /** Closes unless a test already did, as when it stopped the instance on purpose. */
    void closeIfOpen() {
        if (!closed) close();
    }
}
