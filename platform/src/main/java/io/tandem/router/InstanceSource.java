package io.tandem.router;

import io.tandem.model.Endpoint;
import java.util.concurrent.CompletableFuture;

/**
 * What the router asks of the executor, only on the cold path: a function with no endpoint in the routing table,
 * or an endpoint that failed. Warm requests never reach it.
 *
 * <p>Thread-safe; neither method blocks the caller.
 */
public interface InstanceSource {
    /**
     * An endpoint that serves {@code function}, launching or specializing an instance if none is ready. The future
     * fails with a message fit for the client (for example the function's code failed to load) when none can be had.
     */
    CompletableFuture<Endpoint> acquire(String function);

    /**
     * A request that waited for {@code endpoint} from {@link #acquire} got its response head, or ended without one:
     * what the executor held back so as not to slow it down (its node's warm pool refill) may go ahead.
     */
    default void coldCallEnded(Endpoint endpoint) {
    }

    /**
     * The router's connection to {@code endpoint} was refused: the process is gone (certain). Stop handing it out
     * and replace it.
     */
    void reportUnreachable(Endpoint endpoint);

    /**
     * A send to {@code endpoint} failed in a way that a slow but healthy instance can cause too (a connect timeout,
     * a connection lost before the response): a suspicion, not a verdict. The executor confirms it (process state,
     * a probe) before acting; {@code why} says what the router saw.
     */
    default void reportSuspect(Endpoint endpoint, String why) {
    }

    /** {@code function} served warm requests lately (reported about once a second): its instances are not idle. */
    default void recordTraffic(String function) {
    }
}
