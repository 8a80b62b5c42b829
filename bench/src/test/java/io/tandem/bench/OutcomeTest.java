package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeTest {
    @Test
    void a2xxIsServed() {
        assertThat(Outcome.of(200, false)).isEqualTo(Outcome.OK);
        assertThat(Outcome.of(204, true)).isEqualTo(Outcome.OK);
    }

    @Test
    void aConcurrencyLimitOrAnOverloadWithRetryAfterIsShed() {
        assertThat(Outcome.of(429, false)).isEqualTo(Outcome.SHED);
        assertThat(Outcome.of(429, true)).isEqualTo(Outcome.SHED);
        assertThat(Outcome.of(503, true)).isEqualTo(Outcome.SHED);
    }

    @Test
    void anythingElseFailed() {
        assertThat(Outcome.of(503, false)).as("a 503 that names no time to come back").isEqualTo(Outcome.FAILED);
        assertThat(Outcome.of(502, true)).isEqualTo(Outcome.FAILED);
        assertThat(Outcome.of(500, false)).isEqualTo(Outcome.FAILED);
        assertThat(Outcome.of(404, false)).isEqualTo(Outcome.FAILED);
        assertThat(Outcome.of(0, false)).as("no answer").isEqualTo(Outcome.FAILED);
        assertThat(Outcome.of(301, false)).isEqualTo(Outcome.FAILED);
    }

    @Test
    void aTallyCountsEachOutcomeAndTheWorstWait() {
        long ms = 1_000_000;
        List<RateLoad.Sample> samples = List.of(
                new RateLoad.Sample(0, 2 * ms, 200, 1),
                new RateLoad.Sample(10 * ms, 13 * ms, 200, 1),
                new RateLoad.Sample(20 * ms, 21 * ms, 503, 1, true),
                new RateLoad.Sample(30 * ms, 31 * ms, 429, 1, false),
                new RateLoad.Sample(40 * ms, 540 * ms, 0, 0, false),
                new RateLoad.Sample(50 * ms, 52 * ms, 503, 1, false));

        Tally t = Tally.of(samples);

        assertThat(t.sent()).isEqualTo(6);
        assertThat(t.ok()).isEqualTo(2);
        assertThat(t.shed()).isEqualTo(2);
        assertThat(t.failed()).isEqualTo(2);
        assertThat(t.failuresByStatus()).isEqualTo("no answer: 1, 503: 1");
        assertThat(t.worstMillis()).isCloseTo(500.0, within(0.01));
        assertThat(t.p50Millis()).isCloseTo(2.0, within(0.01));
        assertThat(t.p99Millis()).isCloseTo(500.0, within(0.01));
    }

    @Test
    void aTallyOfNothingIsEmpty() {
        Tally t = Tally.of(List.of());
        assertThat(t.sent()).isZero();
        assertThat(t.worstMillis()).isNaN();
    }
}
