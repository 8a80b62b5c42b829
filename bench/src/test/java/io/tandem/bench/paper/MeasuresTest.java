package io.tandem.bench.paper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.bench.paper.OpenLoop.Call;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeasuresTest {
    private static final long MS = 1_000_000L;

    /** A call sent at {@code sentMs}, answered {@code latencyMs} later with {@code status}. */
    private static Call call(int i, double sentMs, double latencyMs, int status) {
        long sent = (long) (sentMs * MS);
        return new Call(i, "id-" + i, "fib", sent, sent + (long) (latencyMs * MS), status, 1, status == 0 ? null : "i1@n1", status == 0 ? "reset" : null);
    }

    /** Ten calls a second for {@code seconds}, each taking 10 ms, except where {@code override} says otherwise. */
    private static List<Call> steady(int seconds, Map<Integer, double[]> override) {
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < seconds * 10; i++) {
            double[] o = override.get(i);
            calls.add(call(i, i * 100.0, o == null ? 10 : o[0], o == null ? 200 : (int) o[1]));
        }
        return calls;
    }

    private static RunResult run(List<Call> calls, long faultMs) {
        return new RunResult(App.FIBONACCI, "retry", faultMs < 0 ? Scenario.NONE : Scenario.INSTANCE, 1, "t", 5_000 * MS,
                faultMs < 0 ? -1 : faultMs * MS, "", calls, List.of(), null, false);
    }

    @Test
    void recoveryRunsFromTheFaultToTheFirstPromptAnswerAndSettlesWithTheLastAffectedCall() {
        // Fault at 1000 ms: the call sent at 1000 waits 400 ms, the one at 1100 fails after 50 ms, the one at 1200 takes 250 ms.
        Measures m = Measures.of(run(steady(5, Map.of(10, new double[]{400, 200}, 11, new double[]{50, 502}, 12, new double[]{250, 200})), 1000));

        assertThat(m.sent()).isEqualTo(50);
        assertThat(m.failed()).isEqualTo(1);
        assertThat(m.byStatus()).containsEntry("200", 49).containsEntry("502", 1);
        assertThat(m.affected()).isEqualTo(3);
        assertThat(m.recoveryMillis()).isCloseTo(310, within(0.01)); // the call sent at 1300 answers promptly at 1310
        assertThat(m.settledMillis()).isCloseTo(450, within(0.01)); // 1000 -> 1450 (the call sent at 1200 answers at 1450)
        assertThat(m.firstSuccessMillis()).isCloseTo(310, within(0.01)); // the call sent at 1300 is the first to answer 2xx, at 1310
        assertThat(m.baselineP50Millis()).isCloseTo(10, within(0.01));
    }

    @Test
    void aFaultNoClientNoticedRecoversInZero() {
        Measures m = Measures.of(run(steady(3, Map.of()), 1000));

        assertThat(m.recoveryMillis()).isZero();
        assertThat(m.settledMillis()).isZero();
        assertThat(m.affected()).isZero();
        assertThat(m.failed()).isZero();
        assertThat(m.blackoutMillis()).isCloseTo(100, within(0.01)); // the load's own spacing
    }

    @Test
    void aSlowCallLongAfterTheOutageIsNotPartOfIt() {
        // An outage right after the fault, then one slow call 2 s later (a GC pause, say): a different episode.
        Measures m = Measures.of(run(steady(5, Map.of(10, new double[]{300, 200}, 30, new double[]{500, 200})), 1000));

        assertThat(m.affected()).isEqualTo(2);
        assertThat(m.recoveryMillis()).isCloseTo(110, within(0.01)); // the call sent at 1100 answers promptly at 1110
        assertThat(m.settledMillis()).isCloseTo(300, within(0.01));
    }

    @Test
    void aServiceThatNeverAnswersPromptlyAgainNeverRecovers() {
        Map<Integer, double[]> down = new java.util.HashMap<>();
        for (int i = 10; i < 50; i++) down.put(i, new double[]{5, 503});

        Measures m = Measures.of(run(steady(5, down), 1000));

        assertThat(m.recoveryMillis()).isNaN();
        assertThat(m.firstSuccessMillis()).isNaN();
        assertThat(m.failed()).isEqualTo(40);
    }

    @Test
    void theGuestbooksRecoveryIsReadFromItsAddsAlone() {
        // ADDs (even indexes) fail from the fault at 1000 until 2000; GETs (odd) to the other function answer throughout.
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            boolean down = i % 2 == 0 && i >= 10 && i < 20;
            long sent = i * 100 * MS;
            calls.add(new Call(i, "id-" + i, i % 2 == 0 ? "add" : "get", sent, sent + 10 * MS, down ? 503 : 200, 1, "i@n1", null));
        }
        RunResult r = new RunResult(App.GUESTBOOK, "retry", Scenario.INSTANCE, 1, "t", 5_000 * MS, 1000 * MS, "", calls, List.of(), null, false);

        Measures m = Measures.of(r);

        assertThat(m.recoveryMillis()).isCloseTo(1010, within(0.01)); // the ADD sent at 2000 answers at 2010
        assertThat(m.firstSuccessMillis()).isCloseTo(1010, within(0.01));
        assertThat(m.failed()).isEqualTo(5);
    }

    @Test
    void aRunWithoutAFaultHasNoRecovery() {
        Measures m = Measures.of(run(steady(2, Map.of()), -1));

        assertThat(m.recoveryMillis()).isNaN();
        assertThat(m.firstSuccessMillis()).isNaN();
        assertThat(m.throughput()).isCloseTo(4.0, within(0.01)); // 20 answers over the run's 5 s
        assertThat(m.meanMillis()).isCloseTo(10, within(0.01));
    }

    @Test
    void resourcesAreIntegratedOverTheLoadWindow() {
        List<ResourceSampler.Tick> ticks = List.of(
                new ResourceSampler.Tick(-100 * MS, 500 * MS, Map.of("platform", 9.0), Map.of("platform", 999.0)), // before the load
                new ResourceSampler.Tick(500 * MS, 500 * MS, Map.of("platform", 0.2, "active", 1.0, "standby", 0.1), Map.of("platform", 300.0, "active", 80.0, "standby", 60.0)),
                new ResourceSampler.Tick(1000 * MS, 500 * MS, Map.of("platform", 0.4, "active", 0.6, "standby", 0.1), Map.of("platform", 310.0, "active", 90.0, "standby", 60.0)));
        RunResult r = new RunResult(App.FIBONACCI, "active-standby", Scenario.NONE, 1, "t", 5_000 * MS, -1, "", steady(1, Map.of()), ticks, null, false);

        Measures m = Measures.of(r);

        assertThat(m.platformCoreSeconds()).isCloseTo(0.3, within(1e-9)); // (0.2 + 0.4) x 0.5 s
        assertThat(m.instanceCoreSeconds()).isCloseTo(0.9, within(1e-9)); // (1.1 + 0.7) x 0.5 s
        assertThat(m.platformRssMib()).isCloseTo(305, within(1e-9));
        assertThat(m.rssMibByRole()).containsEntry("active", 85.0).containsEntry("standby", 60.0);
    }

    @Test
    void secondsLineUpOnTheFault() {
        RunResult r = run(steady(3, Map.of(15, new double[]{0, 0})), 1500);

        List<PerSecond> seconds = PerSecond.of(r);

        assertThat(seconds.getFirst().second()).isEqualTo(-2); // the run starts 1.5 s before the fault
        PerSecond atFault = seconds.stream().filter(p -> p.second() == 0).findFirst().orElseThrow();
        assertThat(atFault.sent()).isEqualTo(10);
        assertThat(atFault.byStatus()).containsEntry("none", 1.0).containsEntry("200", 9.0);
        assertThat(PerSecond.mean(List.of(seconds, seconds))).isEqualTo(seconds);
    }
}
