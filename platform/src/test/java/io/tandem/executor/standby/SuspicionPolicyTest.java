package io.tandem.executor.standby;

import static io.tandem.executor.ProcessStates.State.GONE;
import static io.tandem.executor.ProcessStates.State.RUNNING;
import static io.tandem.executor.ProcessStates.State.STOPPED;
import static io.tandem.executor.ProcessStates.State.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.executor.ProcessStates;
import io.tandem.executor.standby.SuspicionPolicy.Facts;
import io.tandem.executor.standby.SuspicionPolicy.FailOver;
import io.tandem.executor.standby.SuspicionPolicy.Keep;
import io.tandem.executor.standby.SuspicionPolicy.StandbyHealth;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SuspicionPolicyTest {
    private final SuspicionPolicy policy = new SuspicionPolicy(Duration.ofSeconds(10), Duration.ofSeconds(3));
    private static final StandbyHealth HEALTHY = new StandbyHealth(false, RUNNING);

    private static Facts facts(ProcessStates.State process, long silentMs, StandbyHealth standby, int othersLate, int others, long activeForMs) {
        return new Facts(process, Duration.ofMillis(silentMs), Duration.ofMillis(300), standby, othersLate, others, Duration.ofMillis(activeForMs));
    }

    @Test
    void aSlowButRunningActiveIsKept() {
        assertThat(policy.decide(facts(RUNNING, 800, HEALTHY, 0, 4, 60_000))).isInstanceOf(Keep.class);
    }

    @Test
    void aRunningActiveSilentPastTheHungLimitIsFailedOver() {
        assertThat(policy.decide(facts(RUNNING, 3_100, HEALTHY, 0, 4, 60_000))).isInstanceOf(FailOver.class);
    }

    @Test
    void aStoppedActiveIsFailedOverEvenWhenJustPromoted() {
        assertThat(policy.decide(facts(STOPPED, 350, HEALTHY, 0, 1, 500))).isInstanceOf(FailOver.class);
    }

    @Test
    void aGoneActiveIsFailedOverEvenWithoutAHealthyStandby() {
        assertThat(policy.decide(facts(GONE, 350, null, 0, 0, 500))).isInstanceOf(FailOver.class);
    }

    @Test
    void neverFailsOverToAStandbyThatIsNoHealthier() {
        assertThat(policy.decide(facts(STOPPED, 5_000, new StandbyHealth(true, RUNNING), 0, 1, 60_000)).why()).contains("no healthier");
        assertThat(policy.decide(facts(RUNNING, 5_000, new StandbyHealth(false, STOPPED), 0, 1, 60_000)).why()).contains("no healthier");
        assertThat(policy.decide(facts(RUNNING, 5_000, null, 0, 0, 60_000))).isInstanceOf(Keep.class);
    }

    @Test
    void aSlowMachineIsNotAnInstanceFailure() {
        Keep keep = (Keep) policy.decide(facts(RUNNING, 5_000, HEALTHY, 3, 4, 60_000));
        assertThat(keep.why()).contains("machine is slow").contains("3 of 4");
    }

    @Test
    void aNewActiveIsHeldAgainstSuspicion() {
        assertThat(policy.decide(facts(RUNNING, 5_000, HEALTHY, 0, 4, 2_000)).why()).contains("held");
        assertThat(policy.decide(facts(UNKNOWN, 5_000, HEALTHY, 0, 4, 2_000))).isInstanceOf(Keep.class);
    }

    @Test
    void theHungLimitGrowsWithTheLearntThreshold() {
        Facts slowLearnt = new Facts(RUNNING, Duration.ofMillis(4_000), Duration.ofMillis(500), HEALTHY, 0, 1, Duration.ofMinutes(1));
        assertThat(policy.decide(slowLearnt)).isInstanceOf(Keep.class); // hung only after 10 x 500 ms
    }

    @Test
    void aLateStandbyIsReplacedOnlyWhenItsProcessIsGoneStoppedOrHung() {
        assertThat(policy.decideStandby(RUNNING, Duration.ofMillis(900), Duration.ofMillis(300), 0, 2)).isInstanceOf(Keep.class);
        assertThat(policy.decideStandby(STOPPED, Duration.ofMillis(400), Duration.ofMillis(300), 0, 2)).isInstanceOf(FailOver.class);
        assertThat(policy.decideStandby(RUNNING, Duration.ofMillis(3_500), Duration.ofMillis(300), 0, 2)).isInstanceOf(FailOver.class);
        assertThat(policy.decideStandby(RUNNING, Duration.ofMillis(3_500), Duration.ofMillis(300), 2, 3)).isInstanceOf(Keep.class);
    }
}
