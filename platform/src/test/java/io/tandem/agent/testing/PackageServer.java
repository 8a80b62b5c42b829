package io.tandem.agent.testing;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Stands in for the controller's {@code GET /v1/packages/{sha}}: serves raw bytes, counts fetches. */
public final class PackageServer {
    private final Map<String, byte[]> packages = new ConcurrentHashMap<>();
    private final Map<String, Promise<Void>> held = new ConcurrentHashMap<>();
    public final AtomicInteger fetches = new AtomicInteger();
    private HttpServer server;

    public PackageServer start(Vertx vertx, String token) {
        server = vertx.createHttpServer().requestHandler(req -> {
            String sha = req.path().substring(req.path().lastIndexOf('/') + 1);
            byte[] bytes = packages.get(sha);
            if (!("Bearer " + token).equals(req.getHeader("Authorization"))) {
                req.response().setStatusCode(401).end();
            } else if (bytes == null) {
                req.response().setStatusCode(404).end();
            } else {
                fetches.incrementAndGet();
                Promise<Void> hold = held.get(sha);
                if (hold == null) req.response().end(Buffer.buffer(bytes));
                else hold.future().onComplete(v -> req.response().end(Buffer.buffer(bytes)));
            }
        }).listen(0, "127.0.0.1").await();
        return this;
    }

    public String add(byte[] bytes) {
        String sha = TestInstances.sha256(bytes);
        packages.put(sha, bytes);
        return sha;
    }

    /** Answers every fetch of {@code sha} only once the returned promise completes: a slow download. */
    public Promise<Void> hold(String sha) {
        return held.computeIfAbsent(sha, s -> Promise.promise());
    }

    public String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }
}
