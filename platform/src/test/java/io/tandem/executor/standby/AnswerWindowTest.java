package io.tandem.executor.standby;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AnswerWindowTest {
    private final AnswerWindow window = new AnswerWindow(Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofSeconds(6));

    @Test
    void regularAnswersKeepTheFloor() {
        for (int i = 0; i < 50; i++) window.add(Duration.ofMillis(100 + (i % 3)));
        assertThat(window.threshold()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void irregularAnswersLengthenTheThresholdUpToTheCeiling() {
        for (int i = 0; i < 50; i++) window.add(Duration.ofMillis(i % 2 == 0 ? 20 : 400));
        Duration learnt = window.threshold();
        assertThat(learnt).isGreaterThan(Duration.ofMillis(1_000)).isLessThan(Duration.ofMillis(2_000));
        for (int i = 0; i < 100; i++) window.add(Duration.ofMillis(i % 2 == 0 ? 0 : 5_000));
        assertThat(window.threshold()).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void onlyTheRecentAnswersCount() {
        for (int i = 0; i < 100; i++) window.add(Duration.ofMillis(i % 2 == 0 ? 20 : 400));
        for (int i = 0; i < 100; i++) window.add(Duration.ofMillis(100));
        assertThat(window.threshold()).isEqualTo(Duration.ofMillis(300));
        assertThat(window.size()).isEqualTo(100);
    }
}
