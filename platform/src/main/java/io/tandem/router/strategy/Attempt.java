package io.tandem.router.strategy;

import io.vertx.core.Future;

/**
 * One send of a request to one endpoint, started by {@link Attempts#start}. Confined to the request's event loop.
 *
 * @param <R> the response type
 */
public interface Attempt<R> {
    /** The response whose head has come, or the {@link AttemptFailure} of this send. */
    Future<R> response();

    /**
     * Gives this send up: its request is reset, so the instance sees its connection close; a response that already
     * came is dropped. The response future may then fail; a strategy that cancels ignores that failure.
     */
    void cancel();
}
