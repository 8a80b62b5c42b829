package io.tandem.runtime.jvm;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What happens to a Java call that outlives its function's timeout. The router has answered 504 by then; here the
 * call's thread is interrupted, so a handler that waits on I/O, a sleep or a lock stops. One that still runs
 * {@value #GRACE_MS} ms later ignores interruption (a busy loop, say): its thread would run the function's code
 * for ever, so the instance ends, with exit code {@value #EXIT_WEDGED} and the reason on stderr, and its agent
 * reports the exit, which makes the executor replace it (for an active, the standby takes over). This is what a
 * Lambda sandbox gets after a timeout: it is not reused as it was.
 *
 * <p>Design: every call is watched and almost none overruns, so watching must cost next to nothing. A call adds
 * itself to a concurrent set and removes itself when it returns; no timer is scheduled per call. One daemon thread
 * sleeps until the earliest deadline it knows of, then scans the set (it holds one entry per running call, so it is
 * as small as the instance's concurrency). A function's calls share one timeout, so a new call's deadline is
 * almost never the earliest and the thread is almost never woken early; when it is, the caller unparks it.
 *
 * <p>Lost wake-ups: the thread publishes {@link #wakeAt} as {@link Long#MIN_VALUE} before each scan, so a call
 * registered during a scan always unparks it (the permit makes the next park return at once) and is seen by the
 * scan after.
 */
final class Watchdog {
    static final long GRACE_MS = 2_000;
    static final int EXIT_WEDGED = 70;

    private static final Set<Watch> RUNNING = ConcurrentHashMap.newKeySet();
    /** System.nanoTime() the thread sleeps until; MIN_VALUE while it scans. Written only by the watchdog thread. */
    private static volatile long wakeAt = Long.MIN_VALUE;
    private static final Thread THREAD = Thread.ofPlatform().daemon().name("tandem-watchdog").start(Watchdog::loop);

    private Watchdog() {
    }

    /** Watches the call running on {@code thread}; close the result when the call returns. */
    static AutoCloseable watch(Invocation invocation, Thread thread, long timeoutMs) {
        if (timeoutMs <= 0) return () -> { };
        var watch = new Watch(invocation.requestId(), thread, timeoutMs, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs));
        RUNNING.add(watch);
        if (watch.due - wakeAt < 0) LockSupport.unpark(THREAD);
        return watch;
    }

    private static void loop() {
        while (true) {
            wakeAt = Long.MIN_VALUE;
            long now = System.nanoTime();
            long next = now + TimeUnit.SECONDS.toNanos(3600);
            for (Watch watch : RUNNING) {
                if (watch.due - now <= 0) watch.overrun();
                if (watch.due - next < 0) next = watch.due;
            }
            wakeAt = next;
            LockSupport.parkNanos(Watchdog.class, next - now);
        }
    }

    /**
     * One running call. {@link #due} is read by callers and the thread, written only by the thread. {@link #done} is
     * guarded by the watch itself, so an interrupt can never land after {@link #close} returned, on the thread's
     * next call.
     */
    private static final class Watch implements AutoCloseable {
        private final String requestId;
        private final Thread thread;
        private final long timeoutMs;
        private volatile long due;
        private boolean interrupted;
        private boolean done;

        Watch(String requestId, Thread thread, long timeoutMs, long due) {
            this.requestId = requestId;
            this.thread = thread;
            this.timeoutMs = timeoutMs;
            this.due = due;
        }

        @Override
        public void close() {
            synchronized (this) {
                done = true;
            }
            RUNNING.remove(this);
        }

        /** First the interrupt, then, {@link #GRACE_MS} later, the end of the process. */
        synchronized void overrun() {
            if (done) return;
            if (!interrupted) {
                interrupted = true;
                System.err.println("[" + requestId + "] still running after its timeout of " + timeoutMs + " ms: interrupting it");
                due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MS);
                thread.interrupt();
                return;
            }
            System.err.println("[" + requestId + "] did not stop within " + GRACE_MS + " ms of its timeout: "
                    + "this instance exits (code " + EXIT_WEDGED + ") so that a fresh one replaces it");
            System.err.flush();
            CoalescedOutput.drainInstalled();
            Runtime.getRuntime().halt(EXIT_WEDGED);
        }
    }
}
