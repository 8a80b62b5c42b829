package io.tandem.router.strategy;

import io.tandem.model.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Attempts driven by hand: each send and each wait for a publish stays pending until the test settles it.
 * Responses are strings that start with their status, as {@code "200 a"}.
 */
final class ManualAttempts implements Attempts<String> {
    /** One send the test settles. */
    static final class Send implements Attempt<String> {
        final Endpoint endpoint;
        final Promise<String> response = Promise.promise();
        boolean cancelled;

        Send(Endpoint endpoint) {
            this.endpoint = endpoint;
        }

        @Override
        public Future<String> response() {
            return response.future();
        }

        @Override
        public void cancel() {
            cancelled = true;
            response.tryFail(new AttemptFailure(AttemptFailure.Kind.CONNECTION_LOST, "reset by the strategy"));
        }

        void answer(String response) {
            this.response.complete(response);
        }

        void fail(AttemptFailure.Kind kind, boolean replayable) {
            response.fail(new AttemptFailure(kind, kind.name(), replayable, null));
        }
    }

    final List<Endpoint> published = new ArrayList<>();
    final List<Send> sends = new ArrayList<>();
    final List<Endpoint> unreachable = new ArrayList<>();
    final List<Endpoint> suspected = new ArrayList<>();
    final List<Endpoint> forgotten = new ArrayList<>();
    final List<Set<Endpoint>> waitedPast = new ArrayList<>();
    /** Whether a superseded send may be re-sent (the function is idempotent and its body kept). */
    boolean idempotent = true;
    int acquired;

    static Endpoint endpoint(String id, long epoch) {
        return new Endpoint("f", id, "n-" + id, "127.0.0.1", 1000 + id.hashCode() % 1000, epoch);
    }

    ManualAttempts publishing(Endpoint... endpoints) {
        published.addAll(List.of(endpoints));
        return this;
    }

    Send send(int i) {
        return sends.get(i);
    }

    /**
     * The executor publishes {@code endpoints}, as the routing table would take them: every pending wait that
     * excludes less than all of them completes with them.
     */
    void publish(Endpoint... endpoints) {
        published.clear();
        published.addAll(List.of(endpoints));
        for (Wait w : List.copyOf(waits)) {
            if (!w.excluded().containsAll(published)) {
                waits.remove(w);
                w.promise().complete(List.copyOf(published));
            }
        }
    }

    private record Wait(Set<Endpoint> excluded, Promise<List<Endpoint>> promise) {
    }

    private final List<Wait> waits = new ArrayList<>();

    @Override
    public Future<Endpoint> endpoint() {
        acquired++;
        return Future.succeededFuture(published.isEmpty() ? endpoint("cold", 1) : published.getFirst());
    }

    @Override
    public List<Endpoint> published() {
        return List.copyOf(published);
    }

    @Override
    public Future<List<Endpoint>> republished(Set<Endpoint> failed) {
        waitedPast.add(Set.copyOf(failed));
        if (!failed.containsAll(published)) return Future.succeededFuture(List.copyOf(published));
        Promise<List<Endpoint>> p = Promise.promise();
        waits.add(new Wait(Set.copyOf(failed), p));
        return p.future();
    }

    @Override
    public Attempt<String> start(Endpoint endpoint) {
        Send send = new Send(endpoint);
        sends.add(send);
        return send;
    }

    @Override
    public int status(String response) {
        return Integer.parseInt(response.substring(0, 3));
    }

    @Override
    public void suspect(Endpoint endpoint, AttemptFailure why) {
        suspected.add(endpoint);
    }

    @Override
    public void unreachable(Endpoint endpoint) {
        unreachable.add(endpoint);
    }

    @Override
    public AttemptFailure superseded(Endpoint endpoint) {
        return new AttemptFailure(AttemptFailure.Kind.CONNECTION_LOST, "superseded " + endpoint, idempotent, null);
    }

    @Override
    public void forget(Endpoint endpoint) {
        forgotten.add(endpoint);
    }

    /** Pauses the strategy asked for, each pending until the test completes it. */
    final List<Promise<Void>> pauses = new ArrayList<>();

    @Override
    public Future<Void> after(Duration delay) {
        Promise<Void> p = Promise.promise();
        pauses.add(p);
        return p.future();
    }
}
