package io.tandem.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deadlines on a real event loop: what expires, in which order, and what a cancel keeps from expiring. */
class DeadlinesTest {
    private final Vertx vertx = Vertx.vertx();
    private final Context loop = vertx.getOrCreateContext();
    private final Deadlines deadlines = new Deadlines(vertx);
    private final List<String> expired = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        vertx.close().await();
    }

    /** Starts a deadline on the loop, and returns it once started (without polling, which would take longer than the timeouts). */
    private Deadlines.Deadline start(String name, long timeoutMillis) {
        CompletableFuture<Deadlines.Deadline> started = new CompletableFuture<>();
        loop.runOnContext(v -> started.complete(deadlines.start(timeoutMillis, () -> expired.add(name))));
        return started.join();
    }

    private void cancel(Deadlines.Deadline d) {
        CompletableFuture<Void> cancelled = new CompletableFuture<>();
        loop.runOnContext(v -> {
            d.cancel();
            cancelled.complete(null);
        });
        cancelled.join();
    }

    @Test
    void expiresEachCallWhenItsOwnTimeoutHasPassedShortestFirst() {
        start("slow", 400);
        start("fast", 50);

        await().until(() -> expired.size() == 2);
        assertThat(expired).containsExactly("fast", "slow");
    }

    @Test
    void aCancelledCallNeverExpiresWhileOthersOfItsTimeoutDo() {
        Deadlines.Deadline first = start("first", 500);
        start("second", 500);
        cancel(first);

        await().until(() -> expired.contains("second"));
        assertThat(expired).containsExactly("second");
    }

    @Test
    void aCallStartedAfterTheEarlierOnesEndedStillExpires() {
        cancel(start("ended", 500));
        start("later", 500); // the timer set for the ended call finds it gone, and waits again for this one

        await().until(() -> expired.contains("later"));
        assertThat(expired).containsExactly("later");
    }
}
