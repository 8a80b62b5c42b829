package io.tandem.bench.paper;

import io.tandem.bench.Attempts;
import io.tandem.bench.OpenLoopGenerator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * An open-loop load of the apps' requests on a schedule of {@link Arrivals} ({@link OpenLoopGenerator}: each
 * request is sent at its time whether or not the earlier ones have answered). Every request carries an id
 * ({@code X-Tandem-Request-Id}); every answer is recorded with its send time, latency, status, attempts and the
 * instance that answered.
 *
 * <p>Threads: {@link #run} sends on its caller's thread, which it blocks until every request has answered, timed
 * out or been dropped by {@link #stop}; one event loop reads the answers; the counters may be read from any thread
 * (progress lines).
 */
final class OpenLoop implements AutoCloseable {
    static final String REQUEST_ID = "X-Tandem-Request-Id";

    /**
     * One request: when it was sent and answered (ns from the run's start), the status (0: no answer, with
     * {@code error}), the router's {@code X-Tandem-Attempts} and {@code X-Tandem-Instance}.
     */
    record Call(int index, String id, String op, long sentNanos, long doneNanos, int status, int attempts, String instance,
                String error) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        double latencyMillis() {
            return (doneNanos - sentNanos) / 1e6;
        }
    }

    /** A request to send: its id and what it is. */
    record Planned(String id, App.Request request) {
    }

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    private final OpenLoopGenerator generator = new OpenLoopGenerator();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    int sent() {
        return sent.get();
    }

    int answered() {
        return answered.get();
    }

    int failed() {
        return failed.get();
    }

    /** Sends nothing more; requests in flight still get up to a few seconds to answer. Any thread. */
    void stop() {
        generator.stop();
    }

    boolean stopped() {
        return generator.stopped();
    }

    /**
     * Sends request {@code i} of {@code offsets.length} at {@code startNanos + offsets[i]} to {@code target} (the
     * router) and returns every call that was sent, in send order.
     */
    List<Call> run(URI target, long startNanos, long[] offsets, IntFunction<Planned> plan, Duration timeout) throws InterruptedException {
        sent.set(0);
        answered.set(0);
        failed.set(0);
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(512));
        ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        generator.run(startNanos, offsets, i -> send(client, target, i, plan.apply(i), startNanos, timeout, calls), timeout.plusSeconds(10));
        client.close();
        List<Call> out = new ArrayList<>(calls);
        out.sort(Comparator.comparingLong(Call::sentNanos));
        return out;
    }

    private CompletionStage<Call> send(HttpClient client, URI target, int index, Planned planned, long startNanos, Duration timeout,
                                       ConcurrentLinkedQueue<Call> calls) {
        App.Request r = planned.request();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(r.method()))
                .setHost(target.getHost()).setPort(target.getPort()).setURI(r.uri())
                .putHeader(REQUEST_ID, planned.id()).setTimeout(timeout.toMillis());
        long sentAt = System.nanoTime();
        sent.incrementAndGet();
        return client.request(options)
                .compose(req -> (r.body() == null ? req.send() : req.send(Buffer.buffer(r.body())))
                        .compose(resp -> resp.body().map(body -> new Call(index, planned.id(), r.op(), sentAt - startNanos, 0,
                                resp.statusCode(), Attempts.of(resp), resp.getHeader("X-Tandem-Instance"), null))))
                .transform(ar -> {
                    long end = System.nanoTime() - startNanos;
                    Call c = ar.succeeded()
                            ? new Call(index, planned.id(), r.op(), sentAt - startNanos, end, ar.result().status(), ar.result().attempts(), ar.result().instance(), null)
                            : new Call(index, planned.id(), r.op(), sentAt - startNanos, end, 0, 0, null, String.valueOf(ar.cause().getMessage()));
                    calls.add(c);
                    answered.incrementAndGet();
                    if (!c.ok()) failed.incrementAndGet();
                    return Future.succeededFuture(c);
                })
                .toCompletionStage();
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
