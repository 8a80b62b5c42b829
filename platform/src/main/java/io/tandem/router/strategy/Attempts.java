package io.tandem.router.strategy;

import io.tandem.model.Endpoint;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * What a {@link Strategy} may do for one request. The router implements it over HTTP; tests implement it by hand.
 * Called on the request's event loop only.
 *
 * @param <R> the response type (the proxied response in the router)
 */
public interface Attempts<R> {
    /**
     * An endpoint to try: a warm one from the routing table, else one from the executor (concurrent cold requests
     * share one acquire). Fails with {@link AttemptFailure.Kind#UNAVAILABLE} carrying the executor's message.
     */
    Future<Endpoint> endpoint();

    /** Sends the request to {@code endpoint} once. Fails with an {@link AttemptFailure}. */
    Future<R> send(Endpoint endpoint);

    /** The endpoint could not be reached: stop using it and have the executor replace it. */
    void unreachable(Endpoint endpoint);

    /** Completes after {@code delay}. */
    Future<Void> after(Duration delay);
}
