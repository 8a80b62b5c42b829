package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class RecoveryTest {
    private static final long MS = 1_000_000;

    /** A request every 20 ms taking 2 ms, except as {@code shape} says. */
    private static List<RateLoad.Sample> trial(IntFunction<RateLoad.Sample> shape, int n) {
        List<RateLoad.Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(shape.apply(i));
        return out;
    }

    @Test
    void countsAndTimesAnOutageAndItsRecovery() {
        long fault = 1000 * MS; // request 50 is sent at the fault
        List<RateLoad.Sample> samples = trial(i -> {
            long sent = i * 20 * MS;
            if (i >= 50 && i < 55) return new RateLoad.Sample(sent, sent + 1 * MS, 502, 1);      // failed fast
            if (i >= 55 && i < 58) return new RateLoad.Sample(sent, sent + 40 * MS, 200, 2);     // re-sent, slow
            return new RateLoad.Sample(sent, sent + 2 * MS, 200, 1);
        }, 100);

        Recovery r = Recovery.of(samples, fault, 3.0);

        assertThat(r.sent()).isEqualTo(100);
        assertThat(r.failed()).isEqualTo(5);
        assertThat(r.succeeded()).isEqualTo(95);
        assertThat(r.resent()).isEqualTo(3);
        assertThat(r.baselineP50Millis()).isCloseTo(2.0, within(0.01));
        // first success: request 55, sent at 1100 ms, answered at 1140 ms
        assertThat(r.firstSuccessMillis()).isCloseTo(140.0, within(0.01));
        // back to normal after request 57 (sent 1140, answered 1180)
        assertThat(r.normalMillis()).isCloseTo(180.0, within(0.01));
        // no 2xx from the fault (request 49 answered at 982 ms) until request 55's at 1140 ms
        assertThat(r.blackoutMillis()).isCloseTo(140.0, within(0.01));
        assertThat(r.worstMillis()).isCloseTo(40.0, within(0.01));
    }

    @Test
    void aFaultNobodyNoticedRecoversAtOnce() {
        List<RateLoad.Sample> samples = trial(i -> new RateLoad.Sample(i * 20 * MS, i * 20 * MS + 2 * MS, 200, 1), 100);
        Recovery r = Recovery.of(samples, 1000 * MS, 3.0);
        assertThat(r.failed()).isZero();
        assertThat(r.normalMillis()).isZero();
        assertThat(r.firstSuccessMillis()).isCloseTo(2.0, within(0.01));
        assertThat(r.blackoutMillis()).isCloseTo(20.0, within(0.01)); // the load's own spacing
    }
}
