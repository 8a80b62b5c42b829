package io.tandem.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LeaseTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Lease lease = new Lease(nanos::get);

    private void advanceMillis(long ms) {
        nanos.addAndGet(ms * 1_000_000);
    }

    @Test
    void anInstanceThatNeverHadALeaseServesRequestsWithoutAnEpochOnly() {
        assertThat(lease.refusal(null)).isNull();
        // Made active but frozen before its first grant: a router that still names it must not be served.
        assertThat(lease.refusal("7")).contains("no lease yet");
        lease.renew(7, 300);
        assertThat(lease.refusal("7")).isNull();
    }

    @Test
    void servesWhileTheLeaseLastsAndRefusesOnceItRanOut() {
        assertThat(lease.renew(1, 300)).isTrue();
        advanceMillis(299);
        assertThat(lease.refusal("1")).isNull();
        advanceMillis(2);
        assertThat(lease.refusal("1")).contains("lease of epoch 1 ran out");
        assertThat(lease.refusal(null)).contains("ran out");
    }

    @Test
    void aFrozenActiveThatWakesIsFencedUntilRenewed() {
        lease.renew(4, 300);
        advanceMillis(5_000); // SIGSTOP for 5 s: the monotonic clock ran on
        assertThat(lease.refusal("4")).isNotNull();
        assertThat(lease.renew(4, 300)).isTrue();
        assertThat(lease.refusal("4")).isNull();
    }

    @Test
    void refusesRequestsForAnotherEpochAndGrantsForAnOlderOne() {
        lease.renew(5, 300);
        assertThat(lease.refusal("4")).contains("epoch 4").contains("epoch 5");
        assertThat(lease.renew(4, 300)).isFalse();
        assertThat(lease.epoch()).isEqualTo(5);
        assertThat(lease.renew(6, 300)).isTrue();
        assertThat(lease.refusal("6")).isNull();
    }

    @Test
    void aGrantReadLateKeepsOnlyWhatIsLeftOfItAndOneReadAfterItRanOutGrantsNothing() {
        assertThat(Lease.remaining(1_000, 300, 1_000)).isEqualTo(300);
        assertThat(Lease.remaining(1_000, 300, 1_250)).isEqualTo(50);
        // Read when a frozen process woke up, seconds after the probe sent it.
        assertThat(Lease.remaining(1_000, 300, 6_000)).isZero();
        // A clock a little behind the prober's never stretches a grant.
        assertThat(Lease.remaining(1_000, 300, 900)).isEqualTo(300);
    }
}
