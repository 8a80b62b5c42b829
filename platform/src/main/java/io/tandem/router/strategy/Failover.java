package io.tandem.router.strategy;

import io.tandem.model.Endpoint;
import io.tandem.model.FaultTolerance;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Strategies {@code active-standby} and {@code replicate}: the request goes to {@code width} published endpoints
 * at once (1, the active, for active-standby; {@code replicas} for replicate), and the first answer under 500 wins
 * (see {@link Race}). When every endpoint of a round is lost (refused, timed out, cut, or fenced), the strategy
 * waits for the executor to publish other endpoints (a promotion, or a replacement replica) and sends the request
 * again there, for at most {@code maxRetries} rounds, but only when that cannot run the function twice unasked:
 * the request never reached the function, or the function is idempotent and its body was kept
 * ({@link AttemptFailure#resendable()}). Otherwise the request ends with the failure, whose message says the
 * request may have run. The wait is bounded by the function's timeout, which the router enforces.
 *
 * <p>An endpoint that refused the connection is reported unreachable as soon as its send fails, since that is the
 * fastest failure signal the executor gets, and the request waits for another to be published. One that timed out
 * connecting or lost its connection is reported as a suspicion (a slow instance does both as well as a dead one):
 * the request goes again after a short pause, to whatever is published then, which is the same endpoint unless
 * the executor confirmed the suspicion and promoted the standby. A fenced one is neither reported nor forgotten: it
 * is alive, and either the executor replaced it (and publishes the successor) or its lease lapsed for a moment; see
 * {@code afterFenced}.
 *
 * <p>Under active-standby a send waiting on the active is given up as soon as another active is published (see
 * {@link Race#supersede}): a frozen active answers nothing and would otherwise hold the request until its timeout.
 *
 * <p>With fewer than two endpoints published (cold, or a single active), the first round is one send to
 * {@link Attempts#endpoint()}, which asks the executor when the table is empty.
 */
public final class Failover implements Strategy {
    /** The longest pause before a fenced request is sent again: about one probe interval. */
    private static final long MAX_FENCED_PAUSE_MILLIS = 100;
    private final int width;
    private final int maxRounds;

    Failover(int width, int maxRounds) {
        this.width = width;
        this.maxRounds = maxRounds;
    }

    public static Failover activeStandby(FaultTolerance ft) {
        return new Failover(1, ft.maxRetries());
    }

    public static Failover replicate(FaultTolerance ft) {
        return new Failover(ft.replicas(), ft.maxRetries());
    }

    @Override
    public boolean replaysBodies() {
        return true;
    }

    @Override
    public <R> Future<R> invoke(Attempts<R> attempts) {
        return new Request<>(attempts).start();
    }

    /** One request's rounds; lives on that request's event loop. */
    private final class Request<R> {
        private final Attempts<R> attempts;
        private final Set<Endpoint> failed = new HashSet<>();
        private int rounds;
        private int fenced;

        Request(Attempts<R> attempts) {
            this.attempts = attempts;
        }

        Future<R> start() {
            List<Endpoint> published = attempts.published();
            if (width > 1 && published.size() > 1) return round(published);
            return attempts.endpoint().compose(endpoint -> round(List.of(endpoint)));
        }

        private Future<R> round(List<Endpoint> endpoints) {
            rounds++;
            List<Endpoint> targets = endpoints.subList(0, Math.min(width, endpoints.size()));
            Race<R> race = new Race<>(attempts, failed);
            Future<R> outcome = race.run(targets);
            if (width == 1 && !outcome.isComplete()) {
                // A send to a hung active never fails by itself: a promotion away from it must end the wait.
                Set<Endpoint> current = new HashSet<>(failed);
                current.addAll(targets);
                attempts.republished(current).onSuccess(next -> race.supersede(targets.getFirst()));
            }
            return outcome.recover(this::afterRound);
        }

        private Future<R> afterRound(Throwable failure) {
            if (failure instanceof AttemptFailure f && f.kind() == AttemptFailure.Kind.FENCED) return afterFenced();
            boolean again = failure instanceof AttemptFailure f && f.resendable() && rounds < maxRounds;
            if (!again) return Future.failedFuture(failure);
            // A suspected endpoint may be merely slow and stays published: go again after a pause, to it or to
            // whatever the executor publishes meanwhile.
            if (((AttemptFailure) failure).suspicion() && failed.isEmpty()) return afterPause();
            return attempts.republished(failed).compose(this::round);
        }

        /**
         * The instance refused the request unrun. Either another instance was made active (its publish is on the way)
         * or this one's lease lapsed because a probe came late (the next renews it within a probe interval): send
         * again to whatever is published after a short, growing pause, or at once when a publish brings another
         * endpoint. Bounded by the function's timeout, which the router enforces.
         */
        private Future<R> afterFenced() {
            fenced++;
            return afterPause();
        }

        /** Sends again after a short pause growing with each one, or as soon as a publish brings another endpoint. */
        private Future<R> afterPause() {
            Set<Endpoint> current = new HashSet<>(failed);
            current.addAll(attempts.published());
            Duration pause = Duration.ofMillis(Math.min(MAX_FENCED_PAUSE_MILLIS, 2L << Math.min(fenced + rounds, 6)));
            Promise<Void> next = Promise.promise();
            attempts.republished(current).onComplete(ar -> next.tryComplete());
            attempts.after(pause).onComplete(ar -> next.tryComplete());
            return next.future().compose(v -> {
                List<Endpoint> published = attempts.published();
                return published.isEmpty() ? attempts.endpoint().compose(e -> round(List.of(e))) : round(published);
            });
        }
    }
}
