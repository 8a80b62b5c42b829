package io.tandem.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.model.FaultTolerance;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Strategy;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The router's limits: concurrent calls per function and per instance (429, never a queue) and response size. */
class RouterLimitsTest extends RouterHarness {
    private static final long LIMIT = 64 * 1024;

    @Override
    RouterConfig config() {
        return RouterConfig.defaults().withPort(0).withMaxBodyBytes(LIMIT).withServerInstances(2);
    }

    private static Function limited(String name, Strategy strategy, int perInstance, int perFunction) {
        return new Function(Metadata.named(name), new FunctionSpec("java", null, "example.Main", null, null, null, null, null,
                perInstance, null, FaultTolerance.defaults().withStrategy(strategy), null, perFunction, null, null));
    }

    private Reply answer(Future<Reply> reply) throws Exception {
        return reply.await(30, TimeUnit.SECONDS);
    }

    private Future<Reply> get(String uri) {
        return send(router, HttpMethod.GET, uri, MultiMap.caseInsensitiveMultiMap(), null);
    }

    @Test
    void callsPastTheFunctionsLimitAre429WithRetryAfterAndTheLimitFreesWhenTheyEnd() throws Exception {
        Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
        FakeInstance slow = instance("slow", held::add);
        feed.put(limited("slow", Strategy.RETRY, 0, 2));
        router.endpoints().publish("slow", List.of(slow.endpoint()));

        Future<Reply> first = get("/function/slow");
        Future<Reply> second = get("/function/slow");
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 2);
        for (int i = 0; i < 3; i++) {
            Reply refused = answer(get("/function/slow"));
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.headers().get("Retry-After")).isEqualTo("1");
            assertThat(refused.json().getString("error")).isEqualTo("too many concurrent calls");
            assertThat(refused.json().getString("detail")).contains("'slow' serves at most 2 calls at once");
        }
        assertThat(held).hasSize(2); // the refused calls never reached the instance

        held.forEach(r -> r.response().end("done"));
        held.clear();
        assertThat(answer(first).status()).isEqualTo(200);
        assertThat(answer(second).status()).isEqualTo(200);
        Future<Reply> third = get("/function/slow");
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1);
        held.poll().response().end("done");
        assertThat(answer(third).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> router.inFlight().of("slow") == 0); // counted out once relayed
    }

    @Test
    void aPerInstanceLimitScalesWithTheInstancesThatServe() {
        FunctionSpec retry = limited("f", Strategy.RETRY, 3, 0).spec();
        assertThat(InFlight.capacity(retry, 0)).isEqualTo(3); // cold: the first instance's worth
        assertThat(InFlight.capacity(retry, 4)).isEqualTo(12);
        assertThat(InFlight.capacity(limited("f", Strategy.RETRY, 3, 5).spec(), 4)).isEqualTo(5);
        assertThat(InFlight.capacity(limited("f", Strategy.ACTIVE_STANDBY, 3, 0).spec(), 2)).isEqualTo(3); // only the active serves
        assertThat(InFlight.capacity(limited("f", Strategy.REPLICATE, 3, 0).spec(), 2)).isEqualTo(3); // each replica serves each call
        assertThat(InFlight.capacity(limited("f", Strategy.RETRY, 0, 0).spec(), 2)).isZero();
    }

    @Test
    void concurrentClientsNeverPushMoreCallsThanTheLimitIntoTheInstances() throws Exception {
        AtomicInteger now = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<FakeInstance> instances = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            instances.add(instance("busy", req -> {
                most.accumulateAndGet(now.incrementAndGet(), Math::max);
                vertx.setTimer(20, t -> {
                    now.decrementAndGet();
                    req.response().end("ok");
                });
            }));
        }
        feed.put(limited("busy", Strategy.RETRY, 2, 0)); // two instances: four at once
        router.endpoints().publish("busy", instances.stream().map(FakeInstance::endpoint).toList());

        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 24; c++) {
            clients.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 20; i++) {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + "/function/busy")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        (r.statusCode() == 200 ? ok : r.statusCode() == 429 ? refused : new AtomicInteger()).incrementAndGet();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            }));
        }
        for (Thread t : clients) t.join(Duration.ofSeconds(60));

        assertThat(ok.get() + refused.get()).isEqualTo(24 * 20);
        assertThat(refused.get()).isPositive();
        assertThat(most.get()).isLessThanOrEqualTo(4);
        await().atMost(Duration.ofSeconds(10)).until(() -> router.inFlight().of("busy") == 0);
    }

    @Test
    void aResponseOverTheLimitIsRefusedWhenAnnouncedAndCutWhenStreamed() throws Exception {
        Buffer big = Buffer.buffer(new byte[(int) LIMIT + 1]);
        FakeInstance announced = instance("announced", req -> req.response().end(big));
        FakeInstance streamed = instance("streamed", req -> {
            req.response().setChunked(true);
            for (int i = 0; i < 4; i++) req.response().write(Buffer.buffer(new byte[(int) LIMIT / 2]));
            req.response().end();
        });
        FakeInstance fits = instance("fits", req -> req.response().end(Buffer.buffer(new byte[(int) LIMIT])));
        for (FakeInstance i : List.of(announced, streamed, fits)) {
            feed.put(limited(i.name, Strategy.RETRY, 0, 0));
            router.endpoints().publish(i.name, List.of(i.endpoint()));
        }

        Reply refused = answer(get("/function/announced"));
        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.json().getString("error")).isEqualTo("response too large");
        assertThat(refused.json().getString("detail")).contains((LIMIT + 1) + " bytes", "limit is " + LIMIT);
        Future<Reply> cut = get("/function/streamed");
        assertThat(cut.transform(ar -> Future.succeededFuture(ar.failed() || ar.result().body().length() <= LIMIT))
                .await(30, TimeUnit.SECONDS)).as("a streamed body past the limit is cut").isTrue();
        Reply whole = answer(get("/function/fits"));
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.body()).hasSize((int) LIMIT);
    }
}
