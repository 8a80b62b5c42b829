package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class OpenLoopGeneratorTest {
    @Test
    void fixedRateSpacesRequestsEvenly() {
        assertThat(OpenLoopGenerator.fixedRate(4, 4)).containsExactly(0, 250_000_000L, 500_000_000L, 750_000_000L);
    }

    @Test
    void sendsEveryRequestOnScheduleEvenWhenNoneAnswers() throws InterruptedException {
        List<Integer> sent = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> never = new CompletableFuture<>();
        boolean allAnswered = new OpenLoopGenerator().run(System.nanoTime(), OpenLoopGenerator.fixedRate(100, 5), i -> {
            sent.add(i);
            return never;
        }, Duration.ofMillis(100));
        assertThat(sent).containsExactly(0, 1, 2, 3, 4);
        assertThat(allAnswered).isFalse();
    }

    @Test
    void reportsWhenEveryRequestAnswered() throws InterruptedException {
        boolean allAnswered = new OpenLoopGenerator().run(System.nanoTime(), OpenLoopGenerator.fixedRate(100, 3),
                i -> CompletableFuture.completedFuture(null), Duration.ofSeconds(10));
        assertThat(allAnswered).isTrue();
    }

    @Test
    void sendsNothingMoreOnceStopped() throws InterruptedException {
        OpenLoopGenerator generator = new OpenLoopGenerator();
        List<Integer> sent = Collections.synchronizedList(new ArrayList<>());
        generator.run(System.nanoTime(), OpenLoopGenerator.fixedRate(100, 10), i -> {
            sent.add(i);
            if (i == 2) generator.stop();
            return CompletableFuture.completedFuture(null);
        }, Duration.ofSeconds(10));
        assertThat(sent).containsExactly(0, 1, 2);
        assertThat(generator.stopped()).isTrue();
    }
}
