package io.tandem.bench;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * An open-loop load generator: request {@code i} is sent at its scheduled time whether or not the earlier ones have
 * answered, as the clients of a failing service keep sending (a closed loop, such as {@link LoadGenerator}, would
 * slow down with the service and hide the outage: a stall shows here as queued latency). The count is bounded by
 * the schedule, the wait for answers by a patience after the last send time.
 *
 * <p>Threads: {@link #run} sends on its caller's thread, which it blocks until every request has answered, the
 * patience ran out, or {@link #stop} was called (any thread); a request's {@code send} must not block, and
 * completes its stage from whatever thread gets the answer.
 */
public final class OpenLoopGenerator {
    /** After {@link #stop}, how long the requests in flight still get to answer. */
    static final Duration AFTER_STOP = Duration.ofSeconds(5);

    /** The longest the sending thread sleeps before it looks at {@link #stop} again. */
    private static final long MAX_NAP = TimeUnit.MILLISECONDS.toNanos(50);

    private volatile boolean stopped;

    /** Send times for {@code count} requests at {@code rate} a second, in nanoseconds from the start. */
    public static long[] fixedRate(int rate, long count) {
        long[] offsets = new long[Math.toIntExact(count)];
        for (int i = 0; i < offsets.length; i++) offsets[i] = i * 1_000_000_000L / rate;
        return offsets;
    }

    /** Sends nothing more; requests in flight still get up to {@link #AFTER_STOP} to answer. Any thread. */
    public void stop() {
        stopped = true;
    }

    public boolean stopped() {
        return stopped;
    }

    /**
     * Calls {@code send.apply(i)} at {@code startNanos + offsets[i]} ({@link System#nanoTime()}; ascending offsets)
     * for every {@code i}, then waits until every returned stage has completed, at most {@code patience} after the
     * last send time. Returns whether all did.
     */
    public boolean run(long startNanos, long[] offsets, IntFunction<? extends CompletionStage<?>> send, Duration patience)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(offsets.length);
        for (int i = 0; i < offsets.length; i++) {
            if (stopped || !sleepUntil(startNanos + offsets[i])) {
                done.countDown();
                continue;
            }
            dispatch(send, i, done);
        }
        long lastDue = startNanos + (offsets.length == 0 ? 0 : offsets[offsets.length - 1]);
        return awaitAnswers(done, lastDue + patience.toNanos());
    }

    private static void dispatch(IntFunction<? extends CompletionStage<?>> send, int index, CountDownLatch done) {
        try {
            send.apply(index).whenComplete((result, failure) -> done.countDown());
        } catch (RuntimeException e) {
            done.countDown(); // a send that threw has no answer to wait for
        }
    }

    private boolean awaitAnswers(CountDownLatch done, long deadline) throws InterruptedException {
        while (!done.await(200, TimeUnit.MILLISECONDS)) {
            if (stopped) return done.await(AFTER_STOP.toMillis(), TimeUnit.MILLISECONDS); // what was answered so far
            if (System.nanoTime() - deadline > 0) return false;
        }
        return true;
    }

    /** Returns at {@code due}, or false as soon as the load is stopped. */
    private boolean sleepUntil(long due) throws InterruptedException {
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
            LockSupport.parkNanos(Math.min(wait, MAX_NAP));
            if (Thread.interrupted()) throw new InterruptedException();
            if (stopped) return false;
        }
        return true;
    }
}
