package io.tandem.router.strategy;

import io.vertx.core.Future;

/**
 * How one request reaches a function's instances: which endpoints to try, how often, and when to give up.
 *
 * <p>Stateless and thread-safe; each call works on its own {@link Attempts}, on that request's event loop. The
 * returned future carries the function's own response (whatever its status) or the {@link AttemptFailure} that
 * ended the request.
 */
public interface Strategy {
    <R> Future<R> invoke(Attempts<R> attempts);

    /**
     * True when this strategy may send a request with a body more than once, so the router must keep the body
     * (up to its body limit) instead of streaming it. False by default: bodies stream and are never held.
     */
    default boolean replaysBodies() {
        return false;
    }
}
