package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeTriggerScheduleTest {
    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final Instant T = Instant.parse("2026-01-01T00:01:30Z");

    private static List<Instant> next(String cron, Instant after, ZoneId zone, int count) {
        return Schedule.parse("spec.cron", cron).next(after, zone, count);
    }

    private static List<Instant> instants(String... iso) {
        return java.util.Arrays.stream(iso).map(Instant::parse).toList();
    }

    @Test
    void fiveFieldsFireOnTheMinute() {
        assertThat(next("*/5 * * * *", T, UTC, 3)).isEqualTo(instants("2026-01-01T00:05:00Z", "2026-01-01T00:10:00Z", "2026-01-01T00:15:00Z"));
    }

    @Test
    void sixFieldsTakeSecondsFirst() {
        assertThat(next("*/20 * * * * *", T, UTC, 3)).isEqualTo(instants("2026-01-01T00:01:40Z", "2026-01-01T00:02:00Z", "2026-01-01T00:02:20Z"));
        assertThat(next("0 0 12 * * MON-FRI", T, UTC, 2)).isEqualTo(instants("2026-01-01T12:00:00Z", "2026-01-02T12:00:00Z"));
    }

    @Test
    void everyFiresAtEachMultipleOfItsPeriodSinceTheEpoch() {
        assertThat(next("@every 10s", T, UTC, 3)).isEqualTo(instants("2026-01-01T00:01:40Z", "2026-01-01T00:01:50Z", "2026-01-01T00:02:00Z"));
        assertThat(next("@every 1h", T, UTC, 1)).isEqualTo(instants("2026-01-01T01:00:00Z"));
        // An instant that is itself a firing is not "after" it: the next one is.
        assertThat(next("@every 10s", Instant.parse("2026-01-01T00:01:40Z"), UTC, 1)).isEqualTo(instants("2026-01-01T00:01:50Z"));
    }

    @Test
    void nicknamesAreTheirCronExpressions() {
        assertThat(next("@hourly", T, UTC, 2)).isEqualTo(instants("2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"));
        assertThat(next("@daily", T, UTC, 1)).isEqualTo(instants("2026-01-02T00:00:00Z"));
        assertThat(next("@monthly", T, UTC, 1)).isEqualTo(instants("2026-02-01T00:00:00Z"));
        assertThat(next("@yearly", T, UTC, 1)).isEqualTo(instants("2027-01-01T00:00:00Z"));
    }

    @Test
    void cronFieldsAreReadInTheGivenZone() {
        assertThat(next("0 9 * * *", T, ZoneId.of("Europe/Paris"), 1)).isEqualTo(instants("2026-01-01T08:00:00Z"));
    }

    @Test
    void leapDaysFireEveryFourYears() {
        assertThat(next("0 0 29 2 *", T, UTC, 2)).isEqualTo(instants("2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"));
    }

    @Test
    void refusesMalformedExpressionsWithTheReason() {
        assertThatThrownBy(() -> Schedule.parse("spec.cron", "61 * * * *")).isInstanceOf(InvalidResourceException.class)
                .hasMessageContaining("spec.cron").hasMessageContaining("61");
        assertThatThrownBy(() -> Schedule.parse("spec.cron", "* * *")).hasMessageContaining("has 3 fields");
        assertThatThrownBy(() -> Schedule.parse("spec.cron", "* * * * * * *")).hasMessageContaining("has 7 fields");
        assertThatThrownBy(() -> Schedule.parse("spec.cron", "")).hasMessageContaining("missing");
        assertThatThrownBy(() -> Schedule.parse("spec.cron", "@sometimes")).hasMessageContaining("unknown nickname '@sometimes'");
        assertThatThrownBy(() -> Schedule.parse("spec.cron", "@every")).hasMessageContaining("needs a duration");
        assertThatThrownBy(() -> Schedule.parse("spec.cron", "@every soon")).hasMessageContaining("invalid duration 'soon'");
        assertThatThrownBy(() -> Schedule.parse("spec.cron", "@every 500ms")).hasMessageContaining("at least 1s");
        assertThatThrownBy(() -> Schedule.parse("spec.cron", "@every 1500ms")).hasMessageContaining("whole seconds");
    }

    @Test
    void refusesExpressionsThatNeverFire() {
        assertThatThrownBy(() -> Schedule.parse("spec.cron", "0 0 30 2 *")).isInstanceOf(InvalidResourceException.class)
                .hasMessageContaining("never fires");
        assertThatThrownBy(() -> Schedule.parse("spec.cron", "0 0 0 31 4 *")).hasMessageContaining("never fires");
    }

    @Test
    void specDefaultsToGetOnTheRootOrPostWithABody() {
        TimeTriggerSpec plain = new TimeTriggerSpec("hello", "@hourly", null, null, null);
        assertThat(plain.method()).isEqualTo("GET");
        assertThat(plain.path()).isEqualTo("/");
        assertThat(new TimeTriggerSpec("hello", "@hourly", null, null, "{}").method()).isEqualTo("POST");
        assertThat(new TimeTriggerSpec("hello", "@hourly", "put", "/x", "{}").method()).isEqualTo("PUT");
    }

    @Test
    void specValidationNamesTheField() {
        assertThatThrownBy(() -> new TimeTriggerSpec("Hello", "@hourly", null, null, null).validate()).hasMessageStartingWith("spec.function");
        assertThatThrownBy(() -> new TimeTriggerSpec("hello", "0 0 30 2 *", null, null, null).validate()).hasMessageStartingWith("spec.cron");
        assertThatThrownBy(() -> new TimeTriggerSpec("hello", "@hourly", "FETCH", null, null).validate()).hasMessageStartingWith("spec.method");
        assertThatThrownBy(() -> new TimeTriggerSpec("hello", "@hourly", null, "x", null).validate()).hasMessageStartingWith("spec.path");
        assertThatThrownBy(() -> new TimeTriggerSpec("hello", "@hourly", null, "/a b", null).validate()).hasMessageStartingWith("spec.path");
        assertThatThrownBy(() -> new TimeTriggerSpec("hello", "@hourly", null, "/{id}", null).validate()).hasMessageStartingWith("spec.path");
        new TimeTriggerSpec("hello", "*/10 * * * * *", "POST", "/tick?from=timer", "{}").validate();
    }
}
