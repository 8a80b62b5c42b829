package io.tandem.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.model.Strategy;
import io.tandem.router.overload.ConcurrencyLimit;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The router's own overload protection: calls past a function's learnt concurrency limit wait in the router, first
 * come first served, and are shed with 503 and {@code Retry-After} when no slot frees within the queue's budget;
 * none of them reaches the instance meanwhile.
 */
class RouterOverloadTest extends RouterHarness {
    private final Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();

    @Override
    RouterConfig config() {
        return RouterConfig.defaults().withPort(0).withServerInstances(2);
    }

    /** A client with room for more calls at once than the limit (Vert.x's default pool holds 5 connections). */
    private HttpClient wide;

    private Future<Reply> get(String uri) {
        if (wide == null) wide = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(64));
        RequestOptions options = new RequestOptions().setHost("127.0.0.1").setPort(router.port()).setURI(uri).setTimeout(30_000);
        Promise<Reply> reply = Promise.promise();
        clientContext.runOnContext(v -> wide.request(options)
                .compose(HttpClientRequest::send)
                .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())))
                .onComplete(reply));
        return reply.future();
    }

    /** Deploys a function whose instance holds every call until the test answers it, and fills its limit. */
    private List<Future<Reply>> fillTheLimit(String name, Duration timeout) {
        FakeInstance slow = instance(name, held::add);
        feed.put(function(name, timeout, Strategy.RETRY, true));
        router.endpoints().publish(name, List.of(slow.endpoint()));
        List<Future<Reply>> running = new ArrayList<>();
        for (int i = 0; i < ConcurrencyLimit.INITIAL; i++) running.add(get("/function/" + name));
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == ConcurrencyLimit.INITIAL);
        return running;
    }

    private int queued(String name) {
        return router.admissions().of(name).queued();
    }

    @Test
    void aCallPastTheLimitWaitsInTheRouterAndGoesInOnceASlotFrees() throws Exception {
        List<Future<Reply>> running = fillTheLimit("slow", Duration.ofSeconds(60));

        Future<Reply> waiting = get("/function/slow");
        await().atMost(Duration.ofSeconds(10)).until(() -> queued("slow") == 1);
        assertThat(held).as("the instance gets no more than the limit").hasSize(ConcurrencyLimit.INITIAL);

        held.poll().response().end("done");
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == ConcurrencyLimit.INITIAL);
        held.forEach(r -> r.response().end("done"));
        held.clear();
        assertThat(waiting.await(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        for (Future<Reply> r : running) assertThat(r.await(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> router.admissions().of("slow").inFlight() == 0);
    }

    @Test
    void aCallThatWaitsOutTheQueuesBudgetIsShedWith503AndRetryAfterAndNeverRuns() throws Exception {
        fillTheLimit("busy", Duration.ofSeconds(2)); // the budget: 1 s, at most half the timeout; the held calls end at 2 s

        Reply shed = get("/function/busy").await(30, TimeUnit.SECONDS);

        assertThat(shed.status()).isEqualTo(503);
        assertThat(shed.headers().get("Retry-After")).isEqualTo("1");
        assertThat(shed.json().getString("error")).isEqualTo("function overloaded");
        assertThat(shed.json().getString("detail")).contains("'busy'").contains("did not run");
        assertThat(held).hasSize(ConcurrencyLimit.INITIAL);
        assertThat(router.admissions().of("busy").shed(io.tandem.router.overload.Admission.Reason.WAITED)).isEqualTo(1);
        held.forEach(r -> r.response().end("done"));
    }

    @Test
    void aQueuedCallWhoseClientLeftNeverReachesTheInstance() throws Exception {
        fillTheLimit("left", Duration.ofSeconds(60));
        try (Socket socket = new Socket("127.0.0.1", router.port())) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /function/left HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> queued("left") == 1);
        }
        await().alias("the call leaves the queue with its client").atMost(Duration.ofSeconds(10)).until(() -> queued("left") == 0);
        held.poll().response().end("done");
        await().atMost(Duration.ofSeconds(10)).until(() -> router.admissions().of("left").inFlight() == ConcurrencyLimit.INITIAL - 1);
        assertThat(held).as("the call of the client that left was not sent").hasSize(ConcurrencyLimit.INITIAL - 1);
        Future<Reply> next = get("/function/left");
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == ConcurrencyLimit.INITIAL);
        held.forEach(r -> r.response().end("done"));
        held.clear();
        assertThat(next.await(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> router.admissions().of("left").inFlight() == 0);
    }
}
