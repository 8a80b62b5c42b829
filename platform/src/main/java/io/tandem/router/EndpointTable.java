package io.tandem.router;

import io.tandem.model.Endpoint;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The routing table: the warm endpoints of each function, spread round robin.
 *
 * <p>Thread-safe and lock-free for readers. The executor's threads {@link #publish} whole lists; event loops
 * {@link #pick} from them and {@link #forget} an endpoint they could not reach. Each function's entry is an
 * immutable list replaced whole (copy-on-write per function), so a reader never sees a half-made update.
 */
final class EndpointTable implements WarmEndpoints {
    private final ConcurrentHashMap<String, Entry> byFunction = new ConcurrentHashMap<>();

    private record Entry(List<Endpoint> endpoints, AtomicInteger next, AtomicBoolean used) {
        Entry(List<Endpoint> endpoints, AtomicInteger next) {
            this(endpoints, next, new AtomicBoolean(true));
        }

        Endpoint pick() {
            if (!used.getPlain()) used.setPlain(true); // read first: no write (and no cache-line traffic) when already set
            return endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
        }
    }

    @Override
    public void publish(String function, List<Endpoint> endpoints) {
        if (endpoints.isEmpty()) {
            byFunction.remove(function);
        } else {
            byFunction.put(function, new Entry(List.copyOf(endpoints), new AtomicInteger()));
        }
    }

    /** A warm endpoint of {@code function}, or null when it has none. */
    Endpoint pick(String function) {
        Entry entry = byFunction.get(function);
        return entry == null ? null : entry.pick();
    }

    /**
     * The functions picked from since the last call, which clears the marks. The executor learns from this that
     * their instances are busy, since warm requests never reach it.
     */
    List<String> drainUsed() {
        List<String> used = new java.util.ArrayList<>();
        byFunction.forEach((function, entry) -> {
            if (entry.used().getAndSet(false)) used.add(function);
        });
        return used;
    }

    /** Stops handing out {@code endpoint} until the executor publishes it again. */
    void forget(Endpoint endpoint) {
        byFunction.computeIfPresent(endpoint.function(), (function, entry) -> {
            List<Endpoint> rest = entry.endpoints().stream().filter(e -> !e.equals(endpoint)).toList();
            if (rest.size() == entry.endpoints().size()) return entry;
            return rest.isEmpty() ? null : new Entry(rest, entry.next(), entry.used());
        });
    }
}
