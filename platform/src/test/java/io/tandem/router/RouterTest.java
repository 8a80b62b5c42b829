package io.tandem.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.model.Endpoint;
import io.tandem.model.Function;
import io.tandem.model.HttpTrigger;
import io.tandem.model.HttpTriggerSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Strategy;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.streams.WriteStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RouterTest extends RouterHarness {
    private static final long LIMIT = 1024 * 1024;
    private static final Buffer BLOCK = randomBlock();

    @Override
    RouterConfig config() {
        return RouterConfig.defaults().withPort(0).withMaxBodyBytes(LIMIT).withServerInstances(2);
    }

    private static Function function(String name, Duration timeout, Strategy strategy) {
        return function(name, timeout, strategy, null);
    }

    private static Function function(String name) {
        return function(name, null, null);
    }

    private static HttpTrigger trigger(String name, String function, String method, String path) {
        return new HttpTrigger(Metadata.named(name), new HttpTriggerSpec(function, method, path));
    }

    /** Deploys a function served by a warm echo instance. */
    private FakeInstance deployWarm(String name) {
        FakeInstance instance = echo(name);
        feed.put(function(name));
        router.endpoints().publish(name, List.of(instance.endpoint()));
        return instance;
    }

    private Reply call(HttpMethod method, String uri) {
        return call(method, uri, MultiMap.caseInsensitiveMultiMap(), null);
    }

    private Reply call(HttpMethod method, String uri, MultiMap headers, Buffer body) {
        try {
            return send(router, method, uri, headers, body).await(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(method + " " + uri + " was not answered within 60 s", e);
        }
    }

    // --- routing

    @Test
    void reportsWarmTrafficSoTheExecutorDoesNotReapBusyInstances() {
        deployWarm("busy");
        assertThat(call(HttpMethod.GET, "/function/busy").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> source.traffic.contains("busy"));
    }

    @Test
    void answersHealthz() {
        assertThat(call(HttpMethod.GET, "/healthz").status()).isEqualTo(200);
    }

    @Test
    void answersReadyzOnceTheFeedSyncedAndServesItsOwnMetrics() {
        deployWarm("counted");
        feed.put(trigger("t", "counted", "GET", "/counted/{id}"));
        assertThat(call(HttpMethod.GET, "/readyz").status()).isEqualTo(200);
        for (int i = 0; i < 3; i++) assertThat(call(HttpMethod.GET, "/counted/" + i).status()).isEqualTo(200);

        Reply metrics = call(HttpMethod.GET, "/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(io.tandem.metrics.PrometheusText.sum(metrics.body(), "tandem_function_calls_total",
                java.util.Map.of("function", "counted", "route", "/counted/{id}", "method", "GET", "code", "200"))).isEqualTo(3);
        // Each call was answered by an instance, so each has the router's own share measured apart.
        assertThat(io.tandem.metrics.PrometheusText.sum(metrics.body(), "tandem_function_overhead_seconds_count",
                java.util.Map.of("function", "counted"))).isEqualTo(3);
    }

    @Test
    void routesMostSpecificTriggerFirst() {
        for (String f : List.of("exact", "param", "prefix", "longer", "posts")) deployWarm(f);
        feed.put(trigger("t1", "exact", "GET", "/users/me"));
        feed.put(trigger("t2", "param", "*", "/users/{id}"));
        feed.put(trigger("t3", "prefix", "*", "/users/*"));
        feed.put(trigger("t4", "longer", "*", "/users/admin/*"));
        feed.put(trigger("t5", "posts", "POST", "/users/{id}"));

        assertThat(call(HttpMethod.GET, "/users/me").body()).isEqualTo("exact GET /users/me");
        assertThat(call(HttpMethod.GET, "/users/42").body()).isEqualTo("param GET /users/42");
        assertThat(call(HttpMethod.POST, "/users/42").body()).isEqualTo("posts POST /users/42");
        assertThat(call(HttpMethod.GET, "/users/42/photos").body()).isEqualTo("prefix GET /users/42/photos");
        assertThat(call(HttpMethod.GET, "/users/admin/x").body()).isEqualTo("longer GET /users/admin/x");
        assertThat(call(HttpMethod.GET, "/users").body()).isEqualTo("prefix GET /users");
        assertThat(call(HttpMethod.POST, "/users/me").body()).isEqualTo("posts POST /users/me");
    }

    @Test
    void triggerPassesFullPathQueryAndParamHeaders() {
        FakeInstance orders = deployWarm("orders");
        feed.put(trigger("t", "orders", "GET", "/shops/{shop}/orders/{id}"));

        Reply reply = call(HttpMethod.GET, "/shops/a%20b/orders/7?x=1&y=%2F");

        assertThat(reply.body()).isEqualTo("orders GET /shops/a%20b/orders/7?x=1&y=%2F");
        assertThat(orders.lastHeaders.get().get("X-Tandem-Param-shop")).isEqualTo("a%20b");
        assertThat(orders.lastHeaders.get().get("X-Tandem-Param-id")).isEqualTo("7");
    }

    @Test
    void functionPathPassesRestAndQueryForFunctionsWithoutTrigger() {
        deployWarm("hello");

        assertThat(call(HttpMethod.GET, "/function/hello").body()).isEqualTo("hello GET /");
        assertThat(call(HttpMethod.GET, "/function/hello?q=1").body()).isEqualTo("hello GET /?q=1");
        assertThat(call(HttpMethod.PUT, "/function/hello/a/b?x=%20&y").body()).isEqualTo("hello PUT /a/b?x=%20&y");
    }

    @Test
    void unknownFunctionAndUnmatchedPathAre404Json() {
        deployWarm("hello");
        feed.put(trigger("t", "hello", "GET", "/hello"));
        feed.put(trigger("orphan", "ghost", "GET", "/ghost"));

        Reply unknown = call(HttpMethod.GET, "/function/nope");
        Reply noRoute = call(HttpMethod.GET, "/elsewhere");
        Reply wrongMethod = call(HttpMethod.DELETE, "/hello");
        Reply orphan = call(HttpMethod.GET, "/ghost");

        for (Reply r : List.of(unknown, noRoute, wrongMethod, orphan)) {
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.headers().get("content-type")).isEqualTo("application/json");
            assertThat(r.json().getString("error")).isNotBlank();
            assertThat(r.json().getString("detail")).isNotBlank();
        }
        assertThat(unknown.json().getString("detail")).contains("nope");
        assertThat(orphan.json().getString("detail")).contains("ghost");
    }

    @Test
    void aFunctionThatArrivesWhileTheRouterWaitsForTheFeedIsServedWithoutWaitingForTheCatchUp() {
        CompletableFuture<Void> catchUp = feed.holdCatchUp();
        FakeInstance instance = echo("late");
        router.endpoints().publish("late", List.of(instance.endpoint()));

        Future<Reply> reply = send(router, HttpMethod.GET, "/function/late", MultiMap.caseInsensitiveMultiMap(), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> feed.catchUpsAsked() > 0);
        feed.put(function("late"));

        await().atMost(Duration.ofSeconds(20)).until(reply::isComplete);
        assertThat(reply.succeeded()).as("answered: %s", reply.cause()).isTrue();
        assertThat(reply.result().status()).isEqualTo(200);
        assertThat(reply.result().body()).isEqualTo("late GET /");
        assertThat(catchUp).as("answered before the feed caught up").isNotDone();
    }

    @Test
    void aFunctionStillMissingOnceTheFeedHasCaughtUpIs404() {
        CompletableFuture<Void> catchUp = feed.holdCatchUp();
        Future<Reply> reply = send(router, HttpMethod.GET, "/function/never", MultiMap.caseInsensitiveMultiMap(), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> feed.catchUpsAsked() > 0);
        deployWarm("other"); // a change that is not the route waited for
        assertThat(reply.isComplete()).isFalse();

        catchUp.complete(null);
        await().atMost(Duration.ofSeconds(20)).until(reply::isComplete);
        assertThat(reply.succeeded()).as("answered: %s", reply.cause()).isTrue();
        assertThat(reply.result().status()).isEqualTo(404);
        assertThat(reply.result().json().getString("detail")).contains("never");
    }

    @Test
    void removedFunctionsAndTriggersStopRoutingAtOnce() {
        deployWarm("hello");
        HttpTrigger t = trigger("t", "hello", "GET", "/hello");
        feed.put(t);
        assertThat(call(HttpMethod.GET, "/hello").status()).isEqualTo(200);

        feed.delete(t);
        assertThat(call(HttpMethod.GET, "/hello").status()).isEqualTo(404);
        assertThat(call(HttpMethod.GET, "/function/hello").status()).isEqualTo(200);

        feed.delete(function("hello"));
        assertThat(call(HttpMethod.GET, "/function/hello").status()).isEqualTo(404);
    }

    // --- headers

    @Test
    void passesHeadersAndDropsHopByHopOnesBothWays() {
        FakeInstance instance = instance("h", req -> req.response()
                .putHeader("X-Answer", "42")
                .putHeader("Connection", "X-Internal")
                .putHeader("X-Internal", "secret")
                .putHeader("Keep-Alive", "timeout=5")
                .putHeader("Proxy-Authenticate", "Basic")
                .putHeader("Trailer", "X-Sum")
                .end("ok"));
        feed.put(function("h"));
        router.endpoints().publish("h", List.of(instance.endpoint()));

        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add("X-Custom", "a").add("X-Custom", "b")
                .add("Connection", "keep-alive, X-Drop-Me")
                .add("X-Drop-Me", "1")
                .add("Keep-Alive", "timeout=5")
                .add("Proxy-Authorization", "Basic eA==")
                .add("TE", "trailers")
                .add("X-Tandem-Param-id", "spoofed")
                .add("X-Forwarded-For", "10.0.0.1");
        Reply reply = call(HttpMethod.GET, "/function/h", headers, null);

        MultiMap seen = instance.lastHeaders.get();
        assertThat(seen.getAll("X-Custom")).containsExactly("a", "b");
        assertThat(seen.names()).map(String::toLowerCase)
                .doesNotContain("x-drop-me", "keep-alive", "proxy-authorization", "te", "x-tandem-param-id");
        assertThat(seen.get("X-Forwarded-For")).isEqualTo("10.0.0.1, 127.0.0.1");
        assertThat(seen.get("X-Forwarded-Host")).isEqualTo("127.0.0.1:" + router.port());
        assertThat(seen.get("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(seen.get("X-Tandem-Request-Id")).isNotBlank();

        assertThat(reply.headers().get("X-Answer")).isEqualTo("42");
        assertThat(reply.headers().get("X-Tandem-Request-Id")).isEqualTo(seen.get("X-Tandem-Request-Id"));
        assertThat(reply.headers().names()).map(String::toLowerCase)
                .doesNotContain("x-internal", "keep-alive", "proxy-authenticate", "trailer");
    }

    @Test
    void keepsTheClientsRequestId() {
        FakeInstance instance = deployWarm("hello");
        call(HttpMethod.GET, "/function/hello", MultiMap.caseInsensitiveMultiMap().add("X-Tandem-Request-Id", "abc"), null);
        assertThat(instance.lastHeaders.get().getAll("X-Tandem-Request-Id")).containsExactly("abc");
    }

    // --- bodies

    @Test
    void relaysHeadAndNoContentAnswersWithoutBody() {
        FakeInstance instance = instance("quiet", req -> {
            if (req.method() == HttpMethod.HEAD) req.response().putHeader("Content-Length", "5").end();
            else req.response().setStatusCode(204).end();
        });
        feed.put(function("quiet"));
        router.endpoints().publish("quiet", List.of(instance.endpoint()));

        Reply head = call(HttpMethod.HEAD, "/function/quiet");
        Reply noContent = call(HttpMethod.DELETE, "/function/quiet");
        Reply again = call(HttpMethod.DELETE, "/function/quiet");

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.headers().get("Content-Length")).isEqualTo("5");
        assertThat(head.body()).isEmpty();
        assertThat(noContent.status()).isEqualTo(204);
        assertThat(noContent.headers().get("Transfer-Encoding")).isNull();
        assertThat(again.status()).isEqualTo(204);
    }

    @Test
    void passesChunkedRequestBodyUnderTheLimit() {
        FakeInstance instance = instance("echoBody", req -> req.body().onSuccess(b -> req.response()
                .end(req.getHeader("Transfer-Encoding") + " " + b.length())));
        feed.put(function("echo-body"));
        router.endpoints().publish("echo-body", List.of(instance.endpoint()));

        String answer = client.request(HttpMethod.POST, router.port(), "127.0.0.1", "/function/echo-body")
                .compose(req -> {
                    req.setChunked(true);
                    writeBlocks(req, 3);
                    return req.response();
                })
                .compose(resp -> resp.body()).map(Buffer::toString).await();

        assertThat(answer).isEqualTo("chunked " + 3 * BLOCK.length());
    }

    @Test
    void streams100MegabyteResponse() throws Exception {
        int blocks = 1600; // 100 MiB
        Router roomy = start(RouterConfig.defaults().withPort(0).withMaxBodyBytes(200L * 1024 * 1024).withServerInstances(1));
        FakeInstance big = instance("big", req -> writeBlocks(req.response().setChunked(true), blocks));
        feed.put(function("big"));
        roomy.endpoints().publish("big", List.of(big.endpoint()));

        String hash = client.request(HttpMethod.GET, roomy.port(), "127.0.0.1", "/function/big")
                .compose(HttpClientRequest::send)
                .compose(resp -> {
                    MessageDigest digest = sha256();
                    resp.handler(b -> digest.update(b.getBytes()));
                    return resp.end().map(v -> HexFormat.of().formatHex(digest.digest()));
                }).await();

        assertThat(hash).isEqualTo(expectedHash(blocks));
    }

    @Test
    void streams100MegabyteRequestBody() throws Exception {
        int blocks = 1600;
        Router roomy = start(RouterConfig.defaults().withPort(0).withMaxBodyBytes(200L * 1024 * 1024).withServerInstances(1));
        FakeInstance sink = instance("sink", req -> {
            MessageDigest digest = sha256();
            req.handler(b -> digest.update(b.getBytes()));
            req.endHandler(v -> req.response().end(HexFormat.of().formatHex(digest.digest())));
        });
        feed.put(function("sink"));
        roomy.endpoints().publish("sink", List.of(sink.endpoint()));

        String hash = client.request(HttpMethod.POST, roomy.port(), "127.0.0.1", "/function/sink")
                .compose(req -> {
                    req.exceptionHandler(e -> { });
                    req.setChunked(true);
                    writeBlocks(req, blocks);
                    return req.response();
                })
                .compose(resp -> resp.body()).map(Buffer::toString).await();

        assertThat(hash).isEqualTo(expectedHash(blocks));
    }

    /** Retry answers it once an instance is connected; strategies that keep the body, before reading it. */
    @ParameterizedTest
    @EnumSource(value = Strategy.class, names = {"RETRY", "ACTIVE_STANDBY", "REPLICATE"})
    void answersExpectContinue(Strategy strategy) {
        FakeInstance instance = instance("upload", req -> req.body().onSuccess(b -> req.response()
                .end(req.getHeader("Expect") + " " + b.toString())));
        feed.put(function("upload", null, strategy));
        router.endpoints().publish("upload", List.of(instance.endpoint()));

        String answer = client.request(HttpMethod.PUT, router.port(), "127.0.0.1", "/function/upload")
                .compose(req -> {
                    req.putHeader("Expect", "100-continue").putHeader("Content-Length", "4");
                    req.continueHandler(v -> req.end("data"));
                    req.sendHead();
                    return req.response();
                })
                .compose(resp -> resp.body()).map(Buffer::toString).await();

        assertThat(answer).isEqualTo("null data");
    }

    @Test
    void refusesDeclaredOverLimitBodyWith413AtOnce() {
        FakeInstance instance = deployWarm("hello");

        Reply reply = call(HttpMethod.POST, "/function/hello", MultiMap.caseInsensitiveMultiMap(),
                Buffer.buffer(new byte[(int) LIMIT + 1]));

        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.json().getString("error")).isEqualTo("request body too large");
        assertThat(instance.hits).hasValue(0);
    }

    @Test
    void abortsChunkedBodyThatGoesOverLimitWith413() {
        FakeInstance slow = instance("slow", req -> req.body().onSuccess(b -> req.response().end("got " + b.length())));
        feed.put(function("slow"));
        router.endpoints().publish("slow", List.of(slow.endpoint()));

        int status = client.request(HttpMethod.POST, router.port(), "127.0.0.1", "/function/slow")
                .compose(req -> {
                    req.exceptionHandler(e -> { });
                    req.setChunked(true);
                    writeBlocks(req, 32); // 2 MiB, twice the limit
                    return req.response();
                }).map(resp -> resp.statusCode()).await();

        assertThat(status).isEqualTo(413);
    }

    // --- failures

    @Test
    void answers504WhenTheFunctionTimesOut() {
        FakeInstance silent = instance("silent", req -> { });
        feed.put(function("silent", Duration.ofMillis(300), null));
        router.endpoints().publish("silent", List.of(silent.endpoint()));

        Reply reply = call(HttpMethod.GET, "/function/silent");

        assertThat(reply.status()).isEqualTo(504);
        assertThat(reply.json().getString("error")).isEqualTo("function timed out");
        assertThat(reply.json().getString("detail")).endsWith("after 300ms");
    }

    @Test
    void answers504WhenAColdStartOutlastsTheTimeout() {
        source.answer(new CompletableFuture<>());
        feed.put(function("sleepy", Duration.ofMillis(200), null));

        Reply reply = call(HttpMethod.GET, "/function/sleepy");

        assertThat(reply.status()).isEqualTo(504);
        assertThat(reply.json().getString("detail")).endsWith("after 200ms");
    }

    @Test
    void retriesDialErrorThenSucceeds() throws Exception {
        FakeInstance live = echo("flaky");
        Endpoint dead = new Endpoint("flaky", "dead", "n1", "127.0.0.1", freePort(), 0);
        source.answer(dead).answer(live.endpoint());
        feed.put(function("flaky"));

        Reply reply = call(HttpMethod.POST, "/function/flaky", MultiMap.caseInsensitiveMultiMap(), Buffer.buffer("payload"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("flaky POST /");
        assertThat(reply.attempts()).isEqualTo(2);
        assertThat(source.acquires).hasValue(2);
        assertThat(source.unreachable).containsExactly(dead);
    }

    @Test
    void neverResendsABodyAfterTheConnectionWasLost() {
        FakeInstance crashing = instance("crashing", req -> req.connection().close());
        FakeInstance live = echo("crashing");
        source.answer(crashing.endpoint()).answer(live.endpoint());
        feed.put(function("crashing"));

        Reply reply = call(HttpMethod.POST, "/function/crashing", MultiMap.caseInsensitiveMultiMap(), Buffer.buffer("once"));

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.json().getString("error")).isEqualTo("function connection lost");
        assertThat(live.hits).hasValue(0);
    }

    @Test
    void resendsABodilessRequestToAnIdempotentFunctionAfterTheConnectionWasLost() {
        FakeInstance crashing = instance("crashing", req -> req.connection().close());
        FakeInstance live = echo("crashing");
        source.answer(crashing.endpoint()).answer(live.endpoint());
        feed.put(function("crashing"));

        Reply reply = call(HttpMethod.GET, "/function/crashing");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(crashing.hits).hasValue(1);
        assertThat(live.hits).hasValue(1);
        assertThat(reply.headers().get("X-Tandem-Instance"))
                .as("the instance that answered").isEqualTo(live.endpoint().instanceId() + "@" + live.endpoint().node());
    }

    @Test
    void passesFunction5xxThroughWithoutRetry() {
        FakeInstance failing = instance("failing", req -> req.response().setStatusCode(503).end("{\"error\":\"mine\"}"));
        feed.put(function("failing"));
        router.endpoints().publish("failing", List.of(failing.endpoint()));

        Reply reply = call(HttpMethod.GET, "/function/failing");

        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.body()).isEqualTo("{\"error\":\"mine\"}");
        assertThat(reply.headers().get("X-Tandem-Attempts")).isNull();
        assertThat(failing.hits).hasValue(1);
        assertThat(source.acquires).hasValue(0);
    }

    @Test
    void strategyNoneMakesOneAttempt() throws Exception {
        Endpoint dead = new Endpoint("once", "dead", "n1", "127.0.0.1", freePort(), 0);
        source.answer(dead);
        feed.put(function("once", null, Strategy.NONE));

        Reply reply = call(HttpMethod.GET, "/function/once");

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.json().getString("error")).isEqualTo("function unreachable");
        assertThat(source.acquires).hasValue(1);
        assertThat(source.unreachable).containsExactly(dead);
    }

    @Test
    void coldRequestsShareOneAcquire() {
        FakeInstance instance = echo("cold");
        CompletableFuture<Endpoint> launching = new CompletableFuture<>();
        source.answer(launching);
        feed.put(function("cold"));

        List<Future<Reply>> replies = new ArrayList<>();
        for (int i = 0; i < 5; i++) replies.add(send(router, HttpMethod.GET, "/function/cold", MultiMap.caseInsensitiveMultiMap(), null));
        // Each waiting request subscribes to the one acquire, and the router adds one clean-up of its own.
        await().until(() -> launching.getNumberOfDependents() >= 6);
        launching.complete(instance.endpoint());

        assertThat(Future.all(replies).await().<Reply>list()).extracting(Reply::status).containsOnly(200);
        assertThat(source.acquires).hasValue(1);
    }

    @Test
    void tellsTheExecutorWhenACallThatWaitedForAColdStartHasItsAnswer() {
        FakeInstance instance = echo("cold");
        source.answer(instance.endpoint());
        feed.put(function("cold"));

        assertThat(call(HttpMethod.GET, "/function/cold").status()).isEqualTo(200);
        await().until(() -> !source.coldCallsEnded.isEmpty());
        assertThat(source.coldCallsEnded).containsExactly(instance.endpoint());

        router.endpoints().publish("cold", List.of(instance.endpoint()));
        assertThat(call(HttpMethod.GET, "/function/cold").status()).isEqualTo(200);
        assertThat(source.coldCallsEnded).as("a warm call is not reported").hasSize(1);
    }

    @Test
    void failedAcquireAnswers503WithTheExecutorsMessage() {
        source.fail("class example.Nope not found in hello.jar");
        feed.put(function("broken"));

        Reply reply = call(HttpMethod.GET, "/function/broken");

        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.json().getString("detail")).isEqualTo("class example.Nope not found in hello.jar");
    }

    // --- routing table

    @Test
    void routingTableUpdatesTakeEffectAndWarmPathNeverAcquires() {
        FakeInstance a = echo("fn");
        FakeInstance b = echo("fn");
        FakeInstance cold = echo("fn");
        source.answer(cold.endpoint());
        feed.put(function("fn"));

        router.endpoints().publish("fn", List.of(a.endpoint()));
        for (int i = 0; i < 3; i++) call(HttpMethod.GET, "/function/fn");
        assertThat(a.hits).hasValue(3);

        router.endpoints().publish("fn", List.of(a.endpoint(), b.endpoint()));
        for (int i = 0; i < 4; i++) call(HttpMethod.GET, "/function/fn");
        assertThat(a.hits).hasValue(5);
        assertThat(b.hits).hasValue(2);
        assertThat(source.acquires).hasValue(0);

        router.endpoints().publish("fn", List.of());
        assertThat(call(HttpMethod.GET, "/function/fn").status()).isEqualTo(200);
        assertThat(cold.hits).hasValue(1);
        assertThat(source.acquires).hasValue(1);
    }

    // --- helpers

    private static void writeBlocks(WriteStream<Buffer> out, int blocks) {
        int[] left = {blocks};
        Runnable[] pump = new Runnable[1];
        pump[0] = () -> {
            while (left[0] > 0 && !out.writeQueueFull()) {
                out.write(BLOCK);
                left[0]--;
            }
            if (left[0] > 0) {
                out.drainHandler(v -> pump[0].run());
            } else if (left[0] == 0) {
                left[0] = -1;
                out.drainHandler(null);
                out.end();
            }
        };
        pump[0].run();
    }

    private static String expectedHash(int blocks) {
        MessageDigest digest = sha256();
        byte[] bytes = BLOCK.getBytes();
        for (int i = 0; i < blocks; i++) digest.update(bytes);
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Buffer randomBlock() {
        byte[] bytes = new byte[64 * 1024];
        new Random(7).nextBytes(bytes);
        return Buffer.buffer(bytes);
    }
}
