package io.tandem.runtime.jvm;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What happens to a Java call that outlives its function's timeout. The router has answered 504 by then; here the
 * call's thread is interrupted, so a handler that waits on I/O, a sleep or a lock stops. One that still runs
 * {@value #GRACE_MS} ms later ignores interruption (a busy loop, say): its thread would run the function's code
 * for ever, so the instance ends, with exit code {@value #EXIT_WEDGED} and the reason on stderr, and its agent
 * reports the exit, which makes the executor replace it (for an active, the standby takes over). This is what a
 * Lambda sandbox gets after a timeout: it is not reused as it was.
 *
 * <p>Owns one daemon thread per process, which only fires these timers.
 */
final class Watchdog {
    static final long GRACE_MS = 2_000;
    static final int EXIT_WEDGED = 70;

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private Watchdog() {
    }

    /**
     * One thread, and a cancelled timer leaves its queue at once: every call schedules one and almost all are
     * cancelled, so without that a 60 s timeout at thousands of calls a second would keep hundreds of thousands of
     * dead timers queued (heap, and a slower insert for every call).
     */
    private static ScheduledThreadPoolExecutor timer() {
        var timer = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon().name("tandem-watchdog").unstarted(r));
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** Watches the call running on {@code thread}; close the result when the call returns. */
    static AutoCloseable watch(Invocation invocation, Thread thread, long timeoutMs) {
        if (timeoutMs <= 0) return () -> { };
        AtomicBoolean running = new AtomicBoolean(true);
        ScheduledFuture<?> overrun = TIMER.schedule(() -> {
            if (!running.get()) return;
            System.err.println("[" + invocation.requestId() + "] still running after its timeout of " + timeoutMs + " ms: interrupting it");
            thread.interrupt();
            TIMER.schedule(() -> {
                if (!running.get()) return;
                System.err.println("[" + invocation.requestId() + "] did not stop within " + GRACE_MS + " ms of its timeout: "
                        + "this instance exits (code " + EXIT_WEDGED + ") so that a fresh one replaces it");
                System.err.flush();
                Runtime.getRuntime().halt(EXIT_WEDGED);
            }, GRACE_MS, TimeUnit.MILLISECONDS);
        }, timeoutMs, TimeUnit.MILLISECONDS);
        return () -> {
            running.set(false);
            overrun.cancel(false);
        };
    }
}
