package io.tandem.agent;

import io.tandem.http.ApiException;
import io.tandem.model.Runtime;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Waits for a starting instance to answer {@code GET /_/health}: asks every 20 ms until it answers 200 (an http
 * instance: any status), answers that its function failed to load, exits, or {@code timeout} passes, and kills it
 * in the last two cases. Runs on the agent's context; each wait's state lives in its own calls. The deadline is
 * timed on {@code nanoTime}, a monotonic source, so a wall clock that jumps neither cuts a wait short nor stretches it.
 */
final class Readiness {
    private static final long POLL_MILLIS = 20;

    private final Vertx vertx;
    private final WebClient client;
    private final LongSupplier nanoTime;
    private final Duration timeout;
    private final FunctionLogs logs;

    /** {@code nanoTime} reads a monotonic clock in nanoseconds, such as {@code System::nanoTime}. */
    Readiness(Vertx vertx, WebClient client, LongSupplier nanoTime, Duration timeout, FunctionLogs logs) {
        this.vertx = vertx;
        this.client = client;
        this.nanoTime = nanoTime;
        this.timeout = timeout;
        this.logs = logs;
    }

    /** Completes when the instance is ready; fails with an {@link ApiException} saying why it is not. */
    Future<Void> await(RunningInstance r) {
        Promise<Void> ready = Promise.promise();
        poll(r, ready, nanoTime.getAsLong() + timeout.toNanos());
        return ready.future();
    }

    private void poll(RunningInstance r, Promise<Void> ready, long deadline) {
        if (!r.process.isAlive()) {
            ready.tryFail(new ApiException(422, "instance exited before it was ready",
                    "exit code " + r.process.exitValue() + "; its last lines: " + String.join(" | ", logs.lastLines(r.function, r.id(), 20))));
            return;
        }
        if (nanoTime.getAsLong() - deadline > 0) {
            r.kill();
            ready.tryFail(new ApiException(504, "instance not ready in time", "no answer on /_/health within " + timeout));
            return;
        }
        client.get(r.port, "127.0.0.1", "/_/health").timeout(1000).send().onComplete(ar -> {
            if (ar.succeeded()) {
                int status = ar.result().statusCode();
                if (status == 200 || r.request.runtime() == Runtime.HTTP) {
                    ready.tryComplete();
                    return;
                }
                if (status == 500 || status == 422) {
                    r.kill();
                    ready.tryFail(new ApiException(422, "function failed to load", Causes.describe(ar.result().bodyAsString())));
                    return;
                }
            }
            vertx.setTimer(POLL_MILLIS, id -> poll(r, ready, deadline));
        });
    }
}
