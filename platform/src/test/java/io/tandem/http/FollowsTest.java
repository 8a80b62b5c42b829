package io.tandem.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A follow over a real server and client: backlog first, then what the source hands over, until the server ends it. */
class FollowsTest {
    private Vertx vertx;
    private HttpServer server;
    private Follows follows;
    private final AtomicReference<Consumer<Buffer>> sink = new AtomicReference<>();
    private final AtomicBoolean unsubscribed = new AtomicBoolean();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        follows = new Follows(vertx, Duration.ofSeconds(15), 1 << 20);
        server = vertx.createHttpServer().requestHandler(req -> follows.start(req.response(),
                List.of(Follows.line(Map.of("n", 1)), Follows.line(Map.of("n", 2))), s -> {
                    sink.set(s);
                    return CompletableFuture.completedFuture(() -> unsubscribed.set(true));
                }));
        server.listen(0, "127.0.0.1").await();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    @Test
    void sendsTheBacklogThenLiveLinesAndEndsWhenTheServerStops() throws Exception {
        HttpResponse<Stream<String>> resp = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/")).build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(resp.headers().firstValue("Content-Type")).contains("application/x-ndjson");
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        CompletableFuture<Void> ended = CompletableFuture.runAsync(() -> resp.body().forEach(lines::add));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.get() != null);

        sink.get().accept(Follows.line(Map.of("n", 3)));
        await().atMost(Duration.ofSeconds(10)).until(() -> lines.size() == 3);
        follows.endAll();

        ended.get();
        assertThat(lines).containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
        await().atMost(Duration.ofSeconds(10)).untilTrue(unsubscribed);
    }
}
