package io.tandem.mqt;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.MessageQueueTriggerSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class VerdictTest {
    private final MessageQueueTriggerSpec spec = new MessageQueueTriggerSpec("f", null, "t", null, "t-dead", 2, Duration.ofSeconds(1),
            Duration.ofSeconds(3), null, null, null);

    @Test
    void aSuccessIsAcknowledgedOnAnyDelivery() {
        assertThat(Verdict.of(spec, 1, true, null)).isInstanceOf(Verdict.Succeeded.class);
        assertThat(Verdict.of(spec, 3, true, null)).isInstanceOf(Verdict.Succeeded.class);
    }

    @Test
    void aFailureIsRetriedWithBackOffUntilMaxRetriesAndThenGivenUp() {
        assertThat(Verdict.of(spec, 1, false, "answered 500")).isEqualTo(new Verdict.Retry(Duration.ofSeconds(1), "answered 500"));
        assertThat(Verdict.of(spec, 2, false, "answered 500")).isEqualTo(new Verdict.Retry(Duration.ofSeconds(2), "answered 500"));
        assertThat(Verdict.of(spec, 3, false, "answered 500")).isEqualTo(new Verdict.GiveUp("answered 500"));
    }

    @Test
    void withNoRetriesTheFirstFailureGivesUp() {
        MessageQueueTriggerSpec once = new MessageQueueTriggerSpec("f", null, "t", null, null, 0, null, null, null, null, null);
        assertThat(Verdict.of(once, 1, false, "no answer")).isEqualTo(new Verdict.GiveUp("no answer"));
    }
}
