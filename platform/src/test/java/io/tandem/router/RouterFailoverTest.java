package io.tandem.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.model.Endpoint;
import io.tandem.model.Strategy;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The active-standby and replicate strategies end to end: a real router in front of real instance servers. */
class RouterFailoverTest extends RouterHarness {
    @Override
    RouterConfig config() {
        return RouterConfig.defaults().withPort(0).withServerInstances(2);
    }

    // --- active-standby

    @Test
    void activeStandbyFailsOverToThePromotedActiveWithoutFailingARequest() {
        List<String> oldEpochs = new CopyOnWriteArrayList<>();
        List<String> newEpochs = new CopyOnWriteArrayList<>();
        FakeInstance old = instance("as", epochRecorder(oldEpochs, "old"));
        FakeInstance promoted = instance("as", epochRecorder(newEpochs, "new"));
        deploy("as", Strategy.ACTIVE_STANDBY, true, old.endpoint(1));
        source.answer(promoted.endpoint(2));
        // The executor promotes the standby a little after the router's report, as it would after its own signals.
        source.onUnreachable = lost -> vertx.setTimer(20, t -> router.endpoints().publish("as", List.of(promoted.endpoint(2))));
        source.onSuspect = source.onUnreachable; // a lost connection: the executor finds the process gone

        List<Future<List<Reply>>> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) clients.add(calls(150, () -> send(HttpMethod.GET, "/function/as", null)));
        await().pollInterval(Duration.ofMillis(1)).until(() -> old.hits.get() >= 20);
        old.close(); // the active's process is gone: its port refuses connections
        List<Reply> replies = Future.all(clients).await().<List<Reply>>list().stream().flatMap(List::stream).toList();

        assertThat(replies).extracting(Reply::status).containsOnly(200);
        assertThat(replies).extracting(Reply::body).containsOnly("old", "new").contains("new");
        // A request that lost its connection tries the suspected active once more after a short pause, unless the
        // promotion came first: its third send goes to the promoted active.
        assertThat(replies).extracting(Reply::attempts).isSubsetOf(1, 2, 3);
        assertThat(replies).anyMatch(r -> r.attempts() >= 2);
        assertThat(source.unreachable).contains(old.endpoint(1));
        assertThat(oldEpochs).containsOnly("1");
        assertThat(newEpochs).isNotEmpty().containsOnly("2");
    }

    @Test
    void activeStandbyResendsAFencedRequestEvenToANonIdempotentFunction() {
        FakeInstance fenced = instance("fenced", req -> req.response().setStatusCode(503)
                .putHeader("X-Tandem-Fenced", "true").end("{\"error\":\"instance fenced\"}"));
        FakeInstance promoted = instance("fenced", req -> req.body().onSuccess(b -> req.response()
                .end(req.getHeader("X-Tandem-Epoch") + " " + b)));
        deploy("fenced", Strategy.ACTIVE_STANDBY, false, fenced.endpoint(1));

        Future<Reply> reply = send(HttpMethod.POST, "/function/fenced", Buffer.buffer("payload"));
        await().until(() -> fenced.hits.get() >= 2); // asked again while it stays published
        router.endpoints().publish("fenced", List.of(promoted.endpoint(2)));

        Reply answer = reply.await();
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("2 payload");
        assertThat(answer.attempts()).isEqualTo(fenced.hits.get() + 1);
        assertThat(source.unreachable).isEmpty();
    }

    @Test
    void activeStandbyAnswers502InsteadOfRunningANonIdempotentFunctionTwice() {
        FakeInstance crashing = instance("once", req -> req.body().onSuccess(b -> req.connection().close()));
        FakeInstance promoted = instance("once", answering("new"));
        deploy("once", Strategy.ACTIVE_STANDBY, false, crashing.endpoint(1));
        source.onUnreachable = lost -> router.endpoints().publish("once", List.of(promoted.endpoint(2)));

        Reply reply = send(HttpMethod.POST, "/function/once", Buffer.buffer("charge 10 EUR")).await();

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.headers().get("content-type")).isEqualTo("application/json");
        assertThat(reply.json().getString("error")).isEqualTo("function connection lost");
        assertThat(reply.json().getString("detail")).contains("may have run").contains("not idempotent");
        assertThat(crashing.hits).hasValue(1);
        assertThat(promoted.hits).hasValue(0);
        assertThat(source.suspected).containsExactly(crashing.endpoint(1));
    }

    @Test
    void activeStandbyReplaysAPostBodyIntactAfterTheActiveDiedMidRequest() {
        Buffer body = randomBody(3 * 1024 * 1024 + 17);
        FakeInstance crashing = instance("hash", req -> req.body().onSuccess(b -> req.connection().close()));
        FakeInstance promoted = instance("hash", req -> req.body().onSuccess(b -> req.response().end(sha256(b))));
        deploy("hash", Strategy.ACTIVE_STANDBY, true, crashing.endpoint(1));
        source.onSuspect = lost -> router.endpoints().publish("hash", List.of(promoted.endpoint(2)));

        Reply reply = client.request(HttpMethod.POST, router.port(), "127.0.0.1", "/function/hash")
                .compose(req -> {
                    req.setChunked(true);
                    for (int at = 0; at < body.length(); at += 65536) req.write(body.slice(at, Math.min(body.length(), at + 65536)));
                    req.end();
                    return req.response();
                })
                .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString()))).await();

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo(sha256(body));
        assertThat(reply.attempts()).isEqualTo(2);
        assertThat(crashing.hits).hasValue(1);
    }

    @Test
    void activeStandbyAnswers504WhenNoActiveIsPublishedWithinTheTimeout() throws Exception {
        Endpoint dead = new Endpoint("orphan", "dead", "n-dead", "127.0.0.1", freePort(), 1);
        feed.put(function("orphan", Duration.ofMillis(300), Strategy.ACTIVE_STANDBY, true));
        router.endpoints().publish("orphan", List.of(dead));

        Reply reply = send(HttpMethod.GET, "/function/orphan", null).await();

        assertThat(reply.status()).isEqualTo(504);
        assertThat(reply.json().getString("error")).isEqualTo("function timed out");
        assertThat(source.unreachable).containsExactly(dead);
        await().until(() -> ((EndpointTable) router.endpoints()).waiting("orphan") == 0);
    }

    @Test
    void activeStandbyRefusesAChunkedBodyOverTheLimitWith413() {
        FakeInstance active = instance("big", answering("never"));
        deploy("big", Strategy.ACTIVE_STANDBY, true, active.endpoint(1));
        Buffer body = randomBody((int) RouterConfig.DEFAULT_MAX_BODY_BYTES + 1);

        int status = client.request(HttpMethod.POST, router.port(), "127.0.0.1", "/function/big")
                .compose(req -> {
                    req.exceptionHandler(e -> { });
                    req.setChunked(true);
                    req.end(body);
                    return req.response();
                }).map(resp -> resp.statusCode()).await();

        assertThat(status).isEqualTo(413);
        assertThat(active.hits).hasValue(0);
    }

    // --- replicate

    @Test
    void replicateReturnsTheFastAnswerAndClosesTheSlowRequest() {
        AtomicBoolean slowClosed = new AtomicBoolean();
        FakeInstance slow = instance("rep", req -> req.connection().closeHandler(v -> slowClosed.set(true)));
        FakeInstance fast = instance("rep", answering("fast"));
        deploy("rep", Strategy.REPLICATE, true, slow.endpoint(0), fast.endpoint(0));

        Reply reply = send(HttpMethod.POST, "/function/rep", Buffer.buffer("x")).await();

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("fast");
        assertThat(reply.attempts()).isEqualTo(1);
        await().untilTrue(slowClosed);
        assertThat(slow.hits).hasValue(1);
    }

    @Test
    void replicateAnswersWhileOneReplicaRefusesAndReportsIt() throws Exception {
        Endpoint dead = new Endpoint("rep", "dead", "n-dead", "127.0.0.1", freePort(), 0);
        FakeInstance live = instance("rep", answering("live"));
        deploy("rep", Strategy.REPLICATE, true, dead, live.endpoint(0));

        Reply reply = send(HttpMethod.GET, "/function/rep", null).await();

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("live");
        await().until(() -> source.unreachable.contains(dead));
    }

    @Test
    void replicatePassesAFunction5xxThroughWhenEveryReplicaFails() {
        FakeInstance first = instance("bad", req -> req.response().setStatusCode(500).end("{\"error\":\"mine\"}"));
        FakeInstance second = instance("bad", req -> req.response().setStatusCode(500).end("{\"error\":\"mine\"}"));
        deploy("bad", Strategy.REPLICATE, true, first.endpoint(0), second.endpoint(0));

        Reply reply = send(HttpMethod.GET, "/function/bad", null).await();

        assertThat(reply.status()).isEqualTo(500);
        assertThat(reply.body()).isEqualTo("{\"error\":\"mine\"}");
        assertThat(source.unreachable).isEmpty();
    }

    // --- helpers

    private static Handler<HttpServerRequest> answering(String text) {
        return req -> req.body().onSuccess(b -> req.response().end(text));
    }

    private static Handler<HttpServerRequest> epochRecorder(List<String> epochs, String text) {
        return req -> {
            epochs.add(String.valueOf(req.getHeader("X-Tandem-Epoch")));
            req.body().onSuccess(b -> req.response().end(text));
        };
    }

    private void deploy(String name, Strategy strategy, boolean idempotent, Endpoint... endpoints) {
        feed.put(function(name, null, strategy, idempotent));
        router.endpoints().publish(name, List.of(endpoints));
    }

    private Future<Reply> send(HttpMethod method, String uri, Buffer body) {
        return send(router, method, uri, MultiMap.caseInsensitiveMultiMap(), body);
    }

    /** {@code n} calls one after another, as one client. */
    private static Future<List<Reply>> calls(int n, Supplier<Future<Reply>> call) {
        List<Reply> replies = new CopyOnWriteArrayList<>();
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < n; i++) chain = chain.compose(v -> call.get().map(r -> {
            replies.add(r);
            return (Void) null;
        }));
        return chain.map(v -> replies);
    }

    private static Buffer randomBody(int size) {
        byte[] bytes = new byte[size];
        new Random(11).nextBytes(bytes);
        return Buffer.buffer(bytes);
    }

    private static String sha256(Buffer b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.getBytes()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
