package io.tandem.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RecoveryGateTest {
    private final RecoveryGate gate = new RecoveryGate();
    private final Instant t0 = Instant.parse("2026-12-05T00:00:00Z");

    @Test
    void workStartsAtOnceWhenTheMachineHasCpuToSpareOrThePressureCannotBeRead() {
        assertThat(gate.decide("pool java n1", 0.2, t0)).isEqualTo(RecoveryGate.Decision.START);
        assertThat(gate.decide("pool java n1", -1, t0)).isEqualTo(RecoveryGate.Decision.START);
    }

    @Test
    void workWaitsWhileTheMachineIsSaturatedSayingSoOnceAndStartsWhenThePressureFalls() {
        assertThat(gate.decide("standby fn", 0.9, t0)).isEqualTo(RecoveryGate.Decision.DEFER_NOW);
        assertThat(gate.decide("standby fn", 0.9, t0.plusSeconds(5))).isEqualTo(RecoveryGate.Decision.DEFER);
        assertThat(gate.decide("pool java n1", 0.9, t0.plusSeconds(5))).as("each piece of work has its own wait").isEqualTo(RecoveryGate.Decision.DEFER_NOW);
        assertThat(gate.decide("standby fn", 0.3, t0.plusSeconds(6))).isEqualTo(RecoveryGate.Decision.START);
        assertThat(gate.decide("standby fn", 0.9, t0.plusSeconds(7))).as("a new wait after a start").isEqualTo(RecoveryGate.Decision.DEFER_NOW);
    }

    @Test
    void workNeverWaitsLongerThanTheMaximumHoweverLongTheMachineStaysSaturated() {
        gate.decide("standby fn", 1.0, t0);
        assertThat(gate.decide("standby fn", 1.0, t0.plus(RecoveryGate.MAX_DEFER).minusMillis(1))).isEqualTo(RecoveryGate.Decision.DEFER);
        assertThat(gate.decide("standby fn", 1.0, t0.plus(RecoveryGate.MAX_DEFER))).isEqualTo(RecoveryGate.Decision.START);
        assertThat(RecoveryGate.MAX_DEFER).isLessThanOrEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void thePressureIsReadFromTheSomeLineOfProcPressureCpu() {
        assertThat(ProcessStates.parsePressure("some avg10=90.34 avg60=80.54 avg300=79.44 total=796407829\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"))
                .isEqualTo(0.9034);
        assertThat(ProcessStates.parsePressure("full avg10=1.00 avg60=0.00 avg300=0.00 total=0\n")).isNegative();
        assertThat(ProcessStates.parsePressure("some avg10=x")).isNegative();
    }
}
