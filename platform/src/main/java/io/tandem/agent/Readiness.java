package io.tandem.agent;

import io.tandem.http.ApiException;
import io.tandem.model.Runtime;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Waits for a starting instance to answer {@code GET /_/health}: asks every 20 ms until it answers 200 (an http
 * instance: any status), answers that its function failed to load, exits, or {@code timeout} passes, and kills it
 * in the last two cases. Runs on the agent's context; each wait's state lives in its own calls.
 */
final class Readiness {
    private static final long POLL_MILLIS = 20;

    private final Vertx vertx;
    private final WebClient client;
    private final InstantSource clock;
    private final Duration timeout;
    private final FunctionLogs logs;

    Readiness(Vertx vertx, WebClient client, InstantSource clock, Duration timeout, FunctionLogs logs) {
        this.vertx = vertx;
        this.client = client;
        this.clock = clock;
        this.timeout = timeout;
        this.logs = logs;
    }

    /** Completes when the instance is ready; fails with an {@link ApiException} saying why it is not. */
    Future<Void> await(RunningInstance r) {
        Promise<Void> ready = Promise.promise();
        poll(r, ready, clock.instant().plus(timeout));
        return ready.future();
    }

    private void poll(RunningInstance r, Promise<Void> ready, Instant deadline) {
        if (!r.process.isAlive()) {
            ready.tryFail(new ApiException(422, "instance exited before it was ready",
                    "exit code " + r.process.exitValue() + "; its last lines: " + String.join(" | ", logs.lastLines(r.function, r.id(), 20))));
            return;
        }
        if (clock.instant().isAfter(deadline)) {
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
