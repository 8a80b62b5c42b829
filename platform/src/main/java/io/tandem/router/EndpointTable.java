package io.tandem.router;

import io.tandem.model.Endpoint;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The routing table: the warm endpoints of each function, spread round robin.
 *
 * <p>Thread-safe and lock-free for readers. The executor's threads {@link #publish} whole lists; event loops
 * {@link #pick} from them and {@link #forget} an endpoint they could not reach. Each function's entry is an
 * immutable list replaced whole (copy-on-write per function), so a reader never sees a half-made update.
 *
 * <p>A request whose endpoint failed may {@link #awaitEndpoints wait} for the next publish instead of polling: the
 * publishing thread hands the new list to each waiter, which completes on the waiting request's own context.
 *
 * <p>Public so that a process can make the table before the executor that fills it and the router that reads it.
 */
public final class EndpointTable implements WarmEndpoints {
    private final ConcurrentHashMap<String, Entry> byFunction = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<Waiter>> waiters = new ConcurrentHashMap<>();

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
            Entry entry = new Entry(List.copyOf(endpoints), new AtomicInteger());
            byFunction.put(function, entry);
            Set<Waiter> waiting = waiters.get(function);
            if (waiting != null) waiting.forEach(w -> w.offer(entry));
        }
    }

    /** A warm endpoint list of {@code function}, empty when it has none. */
    List<Endpoint> endpointsOf(String function) {
        Entry entry = byFunction.get(function);
        return entry == null ? List.of() : entry.endpoints();
    }

    /**
     * Completes {@code into}, on {@code context}, with the endpoints of {@code function} outside {@code excluded}:
     * at once when the table holds some, else at the first publish that brings some. Returns what stops the wait;
     * calling it after the wait ended does nothing.
     */
    Runnable awaitEndpoints(String function, Set<Endpoint> excluded, Context context, Promise<List<Endpoint>> into) {
        Waiter waiter = new Waiter(function, Set.copyOf(excluded), context, into);
        waiters.compute(function, (f, set) -> {
            Set<Waiter> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(waiter);
            return s;
        });
        // Registered before reading the table: a publish in between is seen here or hands over itself.
        waiter.offer(byFunction.get(function));
        return waiter::stop;
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
        List<String> used = new ArrayList<>();
        byFunction.forEach((function, entry) -> {
            if (entry.used().getAndSet(false)) used.add(function);
        });
        return used;
    }

    /** How many requests wait for a publish of {@code function}. */
    int waiting(String function) {
        Set<Waiter> waiting = waiters.get(function);
        return waiting == null ? 0 : waiting.size();
    }

    /** One request waiting for endpoints; completes at most once. */
    private final class Waiter {
        private final String function;
        private final Set<Endpoint> excluded;
        private final Context context;
        private final Promise<List<Endpoint>> into;
        private final AtomicBoolean done = new AtomicBoolean();

        Waiter(String function, Set<Endpoint> excluded, Context context, Promise<List<Endpoint>> into) {
            this.function = function;
            this.excluded = excluded;
            this.context = context;
            this.into = into;
        }

        /** Hands over the entry's endpoints outside {@code excluded}, if it has any. Any thread. */
        void offer(Entry entry) {
            if (entry == null || done.get()) return;
            List<Endpoint> fresh = entry.endpoints().stream().filter(e -> !excluded.contains(e)).toList();
            if (fresh.isEmpty() || !done.compareAndSet(false, true)) return;
            unregister();
            context.runOnContext(v -> into.tryComplete(fresh));
        }

        void stop() {
            if (done.compareAndSet(false, true)) unregister();
        }

        private void unregister() {
            waiters.computeIfPresent(function, (f, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }
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
