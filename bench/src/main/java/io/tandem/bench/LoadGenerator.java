package io.tandem.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTP load: {@code connections} keep-alive connections, each sending its next GET as soon as the
 * previous answer is read, for a fixed time. Latency is recorded per request in microseconds.
 *
 * <p>Closed-loop like wrk, so figures compare with the ones wrk gives: throughput at saturation and the latency
 * seen there. One event loop drives all connections; the caller's thread only waits.
 */
final class LoadGenerator implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));

    record Result(long requests, long errors, double seconds, Histogram latencyMicros) {
        double requestsPerSecond() {
            return requests / seconds;
        }

        double p50Millis() {
            return latencyMicros.getValueAtPercentile(50) / 1000.0;
        }

        double p99Millis() {
            return latencyMicros.getValueAtPercentile(99) / 1000.0;
        }
    }

    Result run(URI target, int connections, Duration duration) throws InterruptedException {
        HttpClient client = client(connections);
        RequestOptions options = options(target);
        Counts counts = new Counts();
        long end = System.nanoTime() + duration.toNanos();
        CountDownLatch done = new CountDownLatch(connections);
        long start = System.nanoTime();
        for (int i = 0; i < connections; i++) {
            vertx.runOnContext(v -> loop(client, options, counts, end, done));
        }
        done.await(duration.toSeconds() + 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        client.close().await();
        return counts.result(seconds);
    }

    /**
     * {@code calls} GETs one after another on one keep-alive connection, each sent {@code gap} after the previous
     * answer: a function called now and then, whose every hop finds its thread asleep and its caches cold, as a
     * lightly used function's calls do (a closed loop keeps every hop awake and hides that).
     */
    Result paced(URI target, int calls, Duration gap) throws InterruptedException {
        HttpClient client = client(1);
        RequestOptions options = options(target);
        Counts counts = new Counts();
        CountDownLatch done = new CountDownLatch(1);
        long start = System.nanoTime();
        vertx.runOnContext(v -> pacedCall(client, options, counts, calls, Math.max(1, gap.toMillis()), done));
        done.await(calls * (gap.toMillis() + 60_000L) / 1000 + 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        client.close().await();
        return counts.result(seconds);
    }

    private HttpClient client(int connections) {
        return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(connections));
    }

    private static RequestOptions options(URI target) {
        return new RequestOptions().setMethod(HttpMethod.GET).setHost(target.getHost())
                .setPort(target.getPort()).setURI(target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery()));
    }

    /** What one load counted: latencies of the calls answered 200, and the others. Written on the event loop. */
    private record Counts(Recorder recorder, AtomicLong ok, AtomicLong errors) {
        Counts() {
            this(new Recorder(3), new AtomicLong(), new AtomicLong());
        }

        Result result(double seconds) {
            return new Result(ok.get(), errors.get(), seconds, recorder.getIntervalHistogram());
        }
    }

    /** Sends one GET, counts its answer in {@code counts}, then runs {@code next}; on the event loop. */
    private static void call(HttpClient client, RequestOptions options, Counts counts, Runnable next) {
        long t0 = System.nanoTime();
        client.request(options)
                .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
                .onComplete(ar -> {
                    if (ar.succeeded() && ar.result() == 200) {
                        counts.recorder().recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                        counts.ok().incrementAndGet();
                    } else {
                        counts.errors().incrementAndGet();
                    }
                    next.run();
                });
    }

    /** Sends one paced call, and once it is answered waits {@code gapMillis} before the next; on the event loop. */
    private void pacedCall(HttpClient client, RequestOptions options, Counts counts, int left, long gapMillis, CountDownLatch done) {
        if (left == 0) {
            done.countDown();
            return;
        }
        call(client, options, counts, () -> vertx.setTimer(gapMillis, id -> pacedCall(client, options, counts, left - 1, gapMillis, done)));
    }

    /** One connection's closed loop: the next call as soon as the last is answered, until {@code end}. */
    private void loop(HttpClient client, RequestOptions options, Counts counts, long end, CountDownLatch done) {
        if (System.nanoTime() >= end) {
            done.countDown();
            return;
        }
        call(client, options, counts, () -> loop(client, options, counts, end, done));
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
