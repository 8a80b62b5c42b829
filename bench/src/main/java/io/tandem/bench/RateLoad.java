package io.tandem.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * An open-loop load of GET requests at a fixed rate ({@link OpenLoopGenerator}): they go out whatever the answers,
 * as clients of a failing service keep sending. Each request's send and answer times are recorded, in nanoseconds
 * from the start, for {@link Recovery} to read.
 *
 * <p>The caller's thread sends on schedule; one event loop reads the answers.
 */
final class RateLoad implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));

    /**
     * One request: when it was sent and answered (ns from the start), its status (0: no answer), attempts, and
     * whether the answer carried a {@code Retry-After} header.
     */
    record Sample(long sentNanos, long doneNanos, int status, int attempts, boolean retryAfter) {
        Sample(long sentNanos, long doneNanos, int status, int attempts) {
            this(sentNanos, doneNanos, status, attempts, false);
        }

        boolean ok() {
            return status >= 200 && status < 300;
        }

        Outcome outcome() {
            return Outcome.of(status, retryAfter);
        }

        double latencyMillis() {
            return (doneNanos - sentNanos) / 1e6;
        }
    }

    /** Sends {@code rate} requests a second to {@code target} for {@code duration}; waits for every answer. */
    List<Sample> run(URI target, int rate, Duration duration, Duration timeout, long startNanos) throws InterruptedException {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(256));
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(target.getHost()).setPort(target.getPort())
                .setURI(target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery()))
                .setTimeout(timeout.toMillis());
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        new OpenLoopGenerator().run(startNanos, OpenLoopGenerator.fixedRate(rate, rate * duration.toSeconds()),
                i -> send(client, options, startNanos, samples), timeout.plusSeconds(30));
        client.close().await();
        List<Sample> out = new ArrayList<>(samples);
        out.sort(Comparator.comparingLong(Sample::sentNanos));
        return out;
    }

    private static CompletionStage<Sample> send(HttpClient client, RequestOptions options, long startNanos, List<Sample> samples) {
        long sent = System.nanoTime();
        return client.request(options)
                .compose(req -> req.send().compose(resp -> resp.body().map(b -> new int[]{resp.statusCode(),
                        Attempts.of(resp), resp.getHeader("Retry-After") == null ? 0 : 1})))
                .transform(ar -> {
                    long end = System.nanoTime();
                    int status = ar.succeeded() ? ar.result()[0] : 0;
                    int attempts = ar.succeeded() ? ar.result()[1] : 0;
                    boolean retryAfter = ar.succeeded() && ar.result()[2] == 1;
                    Sample sample = new Sample(sent - startNanos, end - startNanos, status, attempts, retryAfter);
                    samples.add(sample);
                    return Future.succeededFuture(sample);
                })
                .toCompletionStage();
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
