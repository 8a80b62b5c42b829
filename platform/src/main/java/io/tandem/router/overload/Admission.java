package io.tandem.router.overload;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The door to one function: lets a call in while fewer than its {@link ConcurrencyLimit} are in flight, else
 * queues it (first come, first served) for at most a budget, else sheds it. Shedding is fast when the queue is
 * already as long as the function can work off within the budget: such a call would only wait to be refused.
 *
 * <p>The budget is the longer of 1 s and two typical latencies, but never more than half the function's timeout:
 * a call that waited it out still has time to run. A shed call never reached an instance, so the client may send
 * it again, after {@code Retry-After}.
 *
 * <p>Threads. Every event loop of the router admits and releases calls here; all state is guarded by this
 * object's monitor, held only for counter and queue updates. A queued call is let in by whichever thread freed
 * the slot, and its continuation runs on its own request's context.
 */
public final class Admission {
    /** The longest queue a function may have, whatever its rate. */
    static final int MAX_QUEUE = 1000;
    static final Duration MIN_BUDGET = Duration.ofSeconds(1);

    private final Vertx vertx;
    private final ConcurrencyLimit limit;
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private int inFlight;
    private long shedQueueFull;
    private long shedWaited;

    public Admission(Vertx vertx, int maxLimit) {
        this.vertx = vertx;
        this.limit = new ConcurrencyLimit(maxLimit, System.nanoTime());
    }

    /** Why a call was shed: the queue was full, or the call waited its whole budget in it. */
    public enum Reason {
        QUEUE_FULL("queue-full"), WAITED("waited");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        /** The metric label. */
        public String label() {
            return label;
        }
    }

    /** A call refused unrun; its message says why, for the client. */
    public static final class Shed extends RuntimeException {
        private final Reason reason;

        Shed(Reason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    /** An admitted call: {@link #done} must be called exactly once, when it ends. */
    public final class Ticket {
        private final int concurrency;
        private final long admitted = System.nanoTime();
        private boolean done;

        private Ticket(int concurrency) {
            this.concurrency = concurrency;
        }

        /** The call ended; its instance took {@code latencyNanos} to answer. Further calls are ignored. */
        public void done(long latencyNanos) {
            if (done) return;
            done = true;
            release(concurrency, admitted, OptionalLong.of(latencyNanos));
        }

        /**
         * The call ended without a latency to learn from (no instance answered, or it waited for a cold start), so
         * it teaches the limit nothing. Further calls are ignored.
         */
        public void done() {
            if (done) return;
            done = true;
            release(concurrency, admitted, OptionalLong.empty());
        }
    }

    private static final class Waiter {
        final Context context;
        final Promise<Ticket> promise = Promise.promise();
        long timer = -1;

        Waiter(Context context) {
            this.context = context;
        }
    }

    /**
     * Lets a call in now, or once a slot frees within the budget (the future completes on {@code context}), or
     * fails it with {@link Shed}. {@code timeout} is the function's.
     */
    public Future<Ticket> enter(Context context, Duration timeout) {
        Waiter waiter;
        long budgetMillis;
        synchronized (this) {
            if (queue.isEmpty() && inFlight < limit.allowed()) {
                inFlight++;
                return Future.succeededFuture(new Ticket(inFlight));
            }
            limit.reached();
            budgetMillis = budget(timeout).toMillis();
            if (queue.size() >= maxQueue(budgetMillis)) {
                shedQueueFull++;
                return Future.failedFuture(new Shed(Reason.QUEUE_FULL, queue.size() + " calls are already waiting for one of "
                        + limit.allowed() + " slots, more than it serves within " + budgetMillis + " ms"));
            }
            waiter = new Waiter(context);
            queue.addLast(waiter);
        }
        long budget = budgetMillis;
        waiter.timer = vertx.setTimer(Math.max(1, budget), id -> {
            synchronized (this) {
                if (!queue.remove(waiter)) return; // let in meanwhile
                shedWaited++;
            }
            waiter.promise.tryFail(new Shed(Reason.WAITED, "no slot freed within " + budget + " ms"));
        });
        return waiter.promise.future();
    }

    /**
     * The client of a call still queued went away: it leaves the queue now (a call already let in is given back by
     * its ticket instead). Any thread.
     */
    public void abandon(Future<Ticket> entered) {
        Waiter gone = null;
        synchronized (this) {
            for (Waiter w : queue) {
                if (w.promise.future() == entered) {
                    gone = w;
                    break;
                }
            }
            if (gone != null) queue.remove(gone);
        }
        if (gone != null) {
            vertx.cancelTimer(gone.timer);
            gone.promise.tryFail(new Shed(Reason.WAITED, "the client went away"));
        }
    }

    private void release(int concurrency, long started, OptionalLong latencyNanos) {
        List<Waiter> admitted = new ArrayList<>(1);
        List<Integer> levels = new ArrayList<>(1);
        synchronized (this) {
            inFlight--;
            if (latencyNanos.isPresent()) limit.sample(concurrency, started, latencyNanos.getAsLong(), System.nanoTime());
            while (!queue.isEmpty() && inFlight < limit.allowed()) {
                inFlight++;
                admitted.add(queue.pollFirst());
                levels.add(inFlight);
            }
        }
        for (int i = 0; i < admitted.size(); i++) {
            Waiter w = admitted.get(i);
            Ticket ticket = new Ticket(levels.get(i));
            vertx.cancelTimer(w.timer);
            w.context.runOnContext(v -> {
                if (!w.promise.tryComplete(ticket)) ticket.done();
            });
        }
    }

    /** How long a call may wait in the queue. */
    synchronized Duration budget(Duration timeout) {
        long typical = limit.latencyNanos() / 1_000_000;
        long budget = Math.max(MIN_BUDGET.toMillis(), 2 * typical);
        return Duration.ofMillis(Math.max(1, Math.min(budget, timeout.toMillis() / 2)));
    }

    /** The calls the function works off within {@code budgetMillis} at its limit and typical latency. */
    private int maxQueue(long budgetMillis) {
        long typicalMillis = Math.max(1, limit.latencyNanos() / 1_000_000);
        long servable = (long) limit.allowed() * budgetMillis / typicalMillis;
        return (int) Math.max(limit.allowed(), Math.min(MAX_QUEUE, servable));
    }

    /** The learnt limit. */
    public synchronized int limit() {
        return limit.limit();
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    public synchronized int queued() {
        return queue.size();
    }

    /** Calls shed for {@code reason} so far. */
    public synchronized long shed(Reason reason) {
        return reason == Reason.QUEUE_FULL ? shedQueueFull : shedWaited;
    }
}
