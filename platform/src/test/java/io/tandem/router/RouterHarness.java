package io.tandem.router;

import io.tandem.model.FaultTolerance;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Strategy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What router tests share: a real router on a free port with a fake change feed and executor, real instance
 * servers, and a client. Everything started is closed after each test.
 */
abstract class RouterHarness {
    Vertx vertx;
    HttpClient client;
    /** Where the client's requests are made: one event loop for the whole test. */
    Context clientContext;
    final FakeChangeFeed feed = new FakeChangeFeed();
    final FakeInstanceSource source = new FakeInstanceSource();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    Router router;

    /** The settings of the router each test starts with. */
    abstract RouterConfig config();

    @BeforeEach
    void startRouter() {
        vertx = Vertx.vertx();
        client = vertx.createHttpClient();
        clientContext = vertx.getOrCreateContext();
        router = start(config());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) c.close();
        vertx.close().await();
    }

    Router start(RouterConfig config) {
        Router r = new Router(vertx, feed, source, config);
        r.start().await();
        closeables.add(() -> r.stop().await());
        return r;
    }

    FakeInstance echo(String name) {
        return closedAfter(FakeInstance.echo(vertx, name));
    }

    FakeInstance instance(String name, Handler<HttpServerRequest> handler) {
        return closedAfter(FakeInstance.start(vertx, name, handler));
    }

    private FakeInstance closedAfter(FakeInstance instance) {
        closeables.add(0, instance::closeIfOpen);
        return instance;
    }

    static Function function(String name, Duration timeout, Strategy strategy, Boolean idempotent) {
        return new Function(Metadata.named(name), new FunctionSpec("java", null, "example.Main", null, null, null,
                timeout, null, null, idempotent, FaultTolerance.defaults().withStrategy(strategy)));
    }

    /**
     * Sends from the client's own event loop, so that every call of a test and its kept-alive connection stay on one
     * context, as a Vert.x client in an application would; the test thread only waits for the reply.
     */
    Future<Reply> send(Router target, HttpMethod method, String uri, MultiMap headers, Buffer body) {
        RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(target.port())
                .setURI(uri).setHeaders(headers).setTimeout(30_000); // a stuck request fails the test, not the build
        Promise<Reply> reply = Promise.promise();
        clientContext.runOnContext(v -> client.request(options)
                .compose(req -> body == null ? req.send() : req.send(body))
                .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())))
                .onComplete(reply));
        return reply.future();
    }

    static int freePort() throws Exception {
        return io.tandem.http.FreePort.loopback();
    }
}
