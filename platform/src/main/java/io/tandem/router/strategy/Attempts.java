package io.tandem.router.strategy;

import io.tandem.model.Endpoint;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * What a {@link Strategy} may do for one request. The router implements it over HTTP; tests implement it by hand.
 * Called on the request's event loop only, and every future it returns completes there.
 *
 * @param <R> the response type (the proxied response in the router)
 */
public interface Attempts<R> {
    /**
     * An endpoint to try: a warm one from the routing table, else one from the executor (concurrent cold requests
     * share one acquire). Fails with {@link AttemptFailure.Kind#UNAVAILABLE} carrying the executor's message.
     */
    Future<Endpoint> endpoint();

    /** The endpoints the routing table holds for the function now, in the executor's order; empty when cold. */
    List<Endpoint> published();

    /**
     * Waits, without polling, for the routing table to hold endpoints outside {@code failed}, and completes with
     * them: at once when it already does, else at the first publish that brings one. Fails when the request ends
     * first (its timeout, or the client going away).
     */
    Future<List<Endpoint>> republished(Set<Endpoint> failed);

    /** Sends the request to {@code endpoint} once; its response fails with an {@link AttemptFailure}. */
    Attempt<R> start(Endpoint endpoint);

    /** Sends the request to {@code endpoint} once, for strategies that never cancel. */
    default Future<R> send(Endpoint endpoint) {
        return start(endpoint).response();
    }

    /**
     * The failure of a send to {@code endpoint} given up because another endpoint replaced it while the send waited
     * for its answer: a lost connection, re-sendable only when the function is idempotent and the body was kept.
     */
    AttemptFailure superseded(Endpoint endpoint);

    /** The HTTP status of a response. */
    int status(R response);

    /** The endpoint refused the connection: stop using it and have the executor replace it. */
    void unreachable(Endpoint endpoint);

    /**
     * A send to the endpoint failed in a way a slow instance can cause too ({@link AttemptFailure#suspicion()}):
     * tell the executor, which confirms it before acting; the endpoint stays in the routing table meanwhile.
     */
    void suspect(Endpoint endpoint, AttemptFailure why);

    /** The endpoint is alive but must not serve this function (it is fenced): stop using it, report nothing. */
    void forget(Endpoint endpoint);

    /** Completes after {@code delay}. */
    Future<Void> after(Duration delay);
}
