package io.tandem.router.strategy;

import io.tandem.model.Endpoint;
import io.tandem.model.FaultTolerance;
import io.vertx.core.Future;

/**
 * Strategy {@code retry}, as Fission 1.10's router: up to {@code maxRetries} attempts with an exponential back-off
 * between them. A refused connection drops the cached address at once and reports it unreachable; a connect
 * timeout is reported as a suspicion (the executor confirms it: a busy instance times out too) and drops the
 * address for this request after {@code svcAddressMaxRetries}; a new endpoint is then picked. The
 * function's own response, 5xx included, ends the request: it may already have run. A connection lost after the
 * request was sent is retried like a refused one only when it is {@linkplain AttemptFailure#replayable() replayable}
 * (Go's transport, under Fission, does the same for a stale keep-alive connection).
 */
public final class Retry implements Strategy {
    private final int maxAttempts;
    private final int addressMaxTimeouts;
    private final Backoff backoff;

    public Retry(int maxAttempts, int addressMaxTimeouts, Backoff backoff) {
        this.maxAttempts = maxAttempts;
        this.addressMaxTimeouts = addressMaxTimeouts;
        this.backoff = backoff;
    }

    public static Retry of(FaultTolerance ft) {
        return new Retry(ft.maxRetries(), ft.svcAddressMaxRetries(), Backoff.exponential(ft.retryBackoff(), 2));
    }

    @Override
    public <R> Future<R> invoke(Attempts<R> attempts) {
        return new Loop<>(attempts).attempt();
    }

    static boolean isRetryable(Throwable failure) {
        return failure instanceof AttemptFailure f && f.resendable();
    }

    /** One request's retry state; lives on that request's event loop. */
    private final class Loop<R> {
        private final Attempts<R> attempts;
        private Endpoint address;
        private int attempt;
        private int timeouts;

        Loop(Attempts<R> attempts) {
            this.attempts = attempts;
        }

        Future<R> attempt() {
            attempt++;
            Future<Endpoint> target = address != null ? Future.succeededFuture(address) : attempts.endpoint();
            return target.compose(endpoint -> {
                address = endpoint;
                return attempts.send(endpoint);
            }).recover(this::afterFailure);
        }

        private Future<R> afterFailure(Throwable failure) {
            if (!isRetryable(failure)) return Future.failedFuture(failure);
            forgetAddressIfDue((AttemptFailure) failure);
            if (attempt >= maxAttempts) return Future.failedFuture(failure);
            return attempts.after(backoff.delay(attempt)).compose(v -> attempt());
        }

        private void forgetAddressIfDue(AttemptFailure failure) {
            if (failure.suspicion()) {
                // Slow or dead: the executor confirms which. This request moves on after enough timeouts.
                attempts.suspect(address, failure);
                if (failure.kind() == AttemptFailure.Kind.DIAL_TIMEOUT && ++timeouts < addressMaxTimeouts) return;
            } else {
                attempts.unreachable(address);
            }
            address = null;
            timeouts = 0;
        }
    }
}
