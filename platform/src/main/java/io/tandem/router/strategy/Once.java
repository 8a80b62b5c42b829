package io.tandem.router.strategy;

import io.vertx.core.Future;

/** Strategy {@code none}: one attempt, for baselines. A dial failure is still reported so the executor replaces the instance. */
public final class Once implements Strategy {
    @Override
    public <R> Future<R> invoke(Attempts<R> attempts) {
        return attempts.endpoint().compose(endpoint -> attempts.send(endpoint).onFailure(failure -> {
            if (failure instanceof AttemptFailure f && f.kind() == AttemptFailure.Kind.DIAL_REFUSED) attempts.unreachable(endpoint);
            else if (failure instanceof AttemptFailure f && f.suspicion()) attempts.suspect(endpoint, f);
        }));
    }
}
