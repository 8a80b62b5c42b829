package io.tandem.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The watchdog's timers, in this JVM: the interrupt half (the exit half needs a process of its own: WatchdogProcessTest). */
class WatchdogTest {
    @Test
    void interruptsAShortCallWhileALongerOneIsWatched() throws Exception {
        var longCall = new Sleeper();
        var shortCall = new Sleeper();
        longCall.thread.start();
        AutoCloseable longWatch = Watchdog.watch(invocation("long"), longCall.thread, 600_000);
        shortCall.thread.start();
        // The watchdog sleeps toward the long call's deadline: the short one must wake it, not wait ten minutes.
        try (AutoCloseable shortWatch = Watchdog.watch(invocation("short"), shortCall.thread, 100)) {
            await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(20)).until(shortCall.interrupted::get);
        }
        assertThat(longCall.interrupted).isFalse();
        longWatch.close();
        longCall.thread.interrupt();
    }

    @Test
    void leavesCallsThatReturnInTimeAlone() throws Exception {
        var caller = new Sleeper();
        caller.thread.start();
        for (int i = 0; i < 10_000; i++) {
            Watchdog.watch(invocation("quick-" + i), caller.thread, 60_000).close();
        }
        try (AutoCloseable last = Watchdog.watch(invocation("last"), caller.thread, 50)) {
            await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(20)).until(caller.interrupted::get); // the one that overran, and only it
        }
        assertThat(caller.interruptions).isEqualTo(1);
    }

    private static Invocation invocation(String id) {
        return new Invocation("fn", id, Instant.now());
    }

    /** A thread that sleeps until interrupted, counting the interrupts it gets. */
    private static final class Sleeper {
        final AtomicBoolean interrupted = new AtomicBoolean();
        final CountDownLatch stop = new CountDownLatch(1);
        volatile int interruptions;
        final Thread thread = Thread.ofPlatform().daemon().unstarted(() -> {
            while (stop.getCount() > 0) {
                try {
                    stop.await(1, TimeUnit.HOURS);
                } catch (InterruptedException e) {
                    interruptions++;
                    interrupted.set(true);
                }
            }
        });
    }
}
