package io.tandem.router.strategy;

import io.tandem.model.Endpoint;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One round of {@link Failover}: the request sent to some endpoints at once. The first response under 500 wins
 * and every other send is cancelled. When all have answered 5xx the first of those answers is the result. When
 * none answered, the round fails with the first failure that forbids a re-send, else the last failure.
 *
 * <p>Each send refused a connection is reported at once and added to {@code failed}, even when another send goes
 * on to win; one that timed out connecting or lost its connection is reported as a suspicion only; a fenced one is
 * neither (see {@link Failover}). Confined to the request's event loop.
 */
final class Race<R> {
    private final Attempts<R> attempts;
    private final Set<Endpoint> failed;
    private final Promise<R> result = Promise.promise();
    /** Sends still owned by this round: cancelled ones are removed, so their failures are ignored. */
    private final List<Attempt<R>> running = new ArrayList<>();
    /** Where each send of {@link #running} went. */
    private final Map<Attempt<R>, Endpoint> targets = new HashMap<>();
    private int pending;
    private R firstServerError;
    private Throwable failure;

    Race(Attempts<R> attempts, Set<Endpoint> failed) {
        this.attempts = attempts;
        this.failed = failed;
    }

    Future<R> run(List<Endpoint> endpoints) {
        pending = endpoints.size();
        for (Endpoint endpoint : endpoints) {
            if (result.future().isComplete()) break;
            Attempt<R> attempt = attempts.start(endpoint);
            running.add(attempt);
            targets.put(attempt, endpoint);
            attempt.response().onComplete(outcome -> settle(endpoint, attempt, outcome));
        }
        return result.future();
    }

    private void settle(Endpoint endpoint, Attempt<R> attempt, AsyncResult<R> outcome) {
        if (!running.contains(attempt)) return; // cancelled by this round
        pending--;
        if (outcome.succeeded()) {
            answered(attempt, outcome.result());
        } else {
            failed(endpoint, outcome.cause());
        }
        finishIfAllDone();
    }

    /**
     * The executor moved the function off {@code stale} (a promotion) while sends to it wait for their answer, as
     * they do on a frozen instance: those sends are given up and count as lost connections, so the request goes to
     * the new endpoint when it may ({@link AttemptFailure#resendable()}) instead of waiting for its timeout.
     */
    void supersede(Endpoint stale) {
        if (result.future().isComplete()) return;
        AttemptFailure failure = attempts.superseded(stale);
        if (failure.resendable()) {
            abandon(stale, failure);
        } else {
            // Giving up here ends the request with "may have run": first let a send that is merely slow, or about
            // to be refused as fenced, answer by itself.
            attempts.after(NON_RESENDABLE_GRACE).onComplete(v -> abandon(stale, failure));
        }
    }

    /** How long a send that cannot be re-sent may still answer after its endpoint was replaced. */
    static final Duration NON_RESENDABLE_GRACE = Duration.ofMillis(500);

    private void abandon(Endpoint stale, AttemptFailure failure) {
        if (result.future().isComplete()) return;
        for (Attempt<R> attempt : List.copyOf(running)) {
            if (!stale.equals(targets.get(attempt))) continue;
            running.remove(attempt);
            attempt.cancel();
            pending--;
            failed.add(stale); // replaced by the executor: a verdict already made, not to be reported again
            failed(stale, failure);
        }
        finishIfAllDone();
    }

    private void finishIfAllDone() {
        if (pending == 0 && !result.future().isComplete()) {
            if (firstServerError != null) result.complete(firstServerError);
            else result.fail(failure);
        }
    }

    private void answered(Attempt<R> attempt, R response) {
        if (attempts.status(response) < 500) {
            running.remove(attempt);
            cancelRunning();
            result.complete(response);
        } else if (firstServerError == null) {
            firstServerError = response;
        } else {
            running.remove(attempt);
            attempt.cancel();
        }
    }

    private void failed(Endpoint endpoint, Throwable cause) {
        // A fenced endpoint is alive and stays published: its lease may only have lapsed (a late probe), and if it
        // was replaced the executor publishes its successor anyway. Failover waits for either.
        // A refused connection is certain: the endpoint is gone. A connect timeout or a lost connection may be a slow
        // instance: reported as a suspicion, and the endpoint stays in play until the executor says otherwise.
        if (cause instanceof AttemptFailure f && f.kind() == AttemptFailure.Kind.DIAL_REFUSED) {
            attempts.unreachable(endpoint);
            failed.add(endpoint);
        } else if (cause instanceof AttemptFailure f && f.suspicion()) {
            attempts.suspect(endpoint, f);
        }
        // The first failure that forbids a re-send decides the round's fate; any other may be replaced.
        if (failure == null || (failure instanceof AttemptFailure f && f.resendable())) failure = cause;
    }

    private void cancelRunning() {
        List<Attempt<R>> losers = List.copyOf(running);
        running.clear();
        losers.forEach(Attempt::cancel);
    }
}
