package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class MessageQueueTriggerSpecTest {
    @Test
    void acceptsSubjectsOfTokensWithWildcardsOnlyInTheTopic() {
        assertThat(Subjects.require("f", "orders.created", false)).isEqualTo("orders.created");
        assertThat(Subjects.require("f", "orders.*.eu", true)).isEqualTo("orders.*.eu");
        assertThat(Subjects.require("f", "orders.>", true)).isEqualTo("orders.>");
        for (String bad : new String[] {"", "orders..created", ".orders", "orders.", "has space", "orders.>.eu", "$JS.API.x", "ord*ers"}) {
            assertThatThrownBy(() -> Subjects.require("spec.topic", bad, true)).as(bad).isInstanceOf(InvalidResourceException.class)
                    .hasMessageContaining("spec.topic");
        }
        assertThatThrownBy(() -> Subjects.require("spec.respTopic", "orders.*", false)).hasMessageContaining("no wildcards");
    }

    @Test
    void matchesSubjectsAsNatsDoes() {
        assertThat(Subjects.matches("orders.*", "orders.eu")).isTrue();
        assertThat(Subjects.matches("orders.*", "orders.eu.x")).isFalse();
        assertThat(Subjects.matches("orders.>", "orders.eu.x")).isTrue();
        assertThat(Subjects.matches("orders.>", "orders")).isFalse();
        assertThat(Subjects.matches("orders.created", "orders.created")).isTrue();
        assertThat(Subjects.matches("orders.created", "orders.done")).isFalse();
    }

    @Test
    void refusesAnAnswerTopicTheTriggerReadsItself() {
        assertThatThrownBy(() -> MessageQueueTriggerSpec.of("f", "orders.>", "orders.done", null).validate())
                .hasMessageContaining("spec.respTopic").hasMessageContaining("trigger the function again");
    }

    @Test
    void backOffDoublesFromRetryDelayUpToMaxRetryDelay() {
        MessageQueueTriggerSpec s = new MessageQueueTriggerSpec("f", null, "t", null, null, 10, Duration.ofMillis(100), Duration.ofMillis(500),
                null, null, null);
        assertThat(s.backoff(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(s.backoff(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(s.backoff(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(s.backoff(4)).isEqualTo(Duration.ofMillis(500));
        assertThat(s.backoff(1000)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void refusesNumbersOutOfRangeNamingTheField() {
        assertThatThrownBy(() -> new MessageQueueTriggerSpec("f", null, "t", null, null, null, null, null, 0, null, null).validate())
                .hasMessageContaining("spec.concurrency: must be 1 to 1000");
        assertThatThrownBy(() -> new MessageQueueTriggerSpec("f", null, "t", null, null, -1, null, null, null, null, null).validate())
                .hasMessageContaining("spec.maxRetries");
        assertThatThrownBy(() -> new MessageQueueTriggerSpec("f", null, "t", null, null, null, Duration.ofSeconds(5), Duration.ofSeconds(1),
                null, null, null).validate()).hasMessageContaining("spec.maxRetryDelay: must be at least retryDelay (5s)");
    }
}
