package io.tandem.executor;

import io.tandem.model.Endpoint;
import java.util.List;

/**
 * Where the executor pushes the endpoints of warm functions, so the router never waits for the executor on a
 * warm request. Implementations are thread-safe and do not block.
 */
public interface EndpointPublisher {
    /** Replaces the endpoints of {@code function}; an empty list withdraws them all. */
    void publish(String function, List<Endpoint> endpoints);
}
