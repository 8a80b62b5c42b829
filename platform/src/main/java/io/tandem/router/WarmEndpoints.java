package io.tandem.router;

import io.tandem.model.Endpoint;
import java.util.List;

/** The router's table of warm endpoints, as whoever places instances fills it. Thread-safe and non-blocking. */
public interface WarmEndpoints {
    /** Replaces the endpoints of {@code function}; an empty list withdraws them all. */
    void publish(String function, List<Endpoint> endpoints);
}
