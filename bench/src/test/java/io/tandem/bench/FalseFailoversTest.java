package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FalseFailoversTest {
    private static final Instant FAULT = Instant.parse("2026-12-02T10:00:00Z");

    private static Instant at(long millisAfterTheFault) {
        return FAULT.plusMillis(millisAfterTheFault);
    }

    @Test
    void withoutAFaultEveryPromotionIsFalse() {
        FalseFailovers f = FalseFailovers.of(List.of(at(-500), at(300)), null, Fault.NONE.promotionsExplained(true));
        assertThat(f.promotions()).isEqualTo(2);
        assertThat(f.count()).isEqualTo(2);
    }

    @Test
    void aKilledActiveExplainsTheOnePromotionAfterIt() {
        FalseFailovers f = FalseFailovers.of(List.of(at(80)), FAULT, Fault.INSTANCE.promotionsExplained(true));
        assertThat(f.explained()).isEqualTo(1);
        assertThat(f.count()).isZero();
    }

    @Test
    void aPromotionBeforeTheFaultIsFalseEvenIfTheFaultLeftOneUnexplained() {
        FalseFailovers f = FalseFailovers.of(List.of(at(-1200)), FAULT, Fault.INSTANCE.promotionsExplained(true));
        assertThat(f.explained()).isZero();
        assertThat(f.count()).isEqualTo(1);
    }

    @Test
    void aNodeKillExplainsOnlyOneOfTheSeveralPromotionsAfterIt() {
        FalseFailovers f = FalseFailovers.of(List.of(at(-50), at(120), at(2500), at(4000)), FAULT, Fault.NODE.promotionsExplained(true));
        assertThat(f.promotions()).isEqualTo(4);
        assertThat(f.explained()).isEqualTo(1);
        assertThat(f.count()).isEqualTo(3);
    }

    @Test
    void aFaultThatSparedTheActiveExplainsNothing() {
        assertThat(Fault.NODE.promotionsExplained(false)).isZero();
        assertThat(FalseFailovers.of(List.of(at(100)), FAULT, Fault.NODE.promotionsExplained(false)).count()).isEqualTo(1);
    }

    @Test
    void noPromotionNoFalseFailover() {
        FalseFailovers f = FalseFailovers.of(List.of(), FAULT, 1);
        assertThat(f.promotions()).isZero();
        assertThat(f.count()).isZero();
    }

    @Test
    void faultsAreReadByName() {
        assertThat(Fault.parse("none")).isEqualTo(Fault.NONE);
        assertThat(Fault.parse(" Freeze")).isEqualTo(Fault.FREEZE);
        assertThatThrownBy(() -> Fault.parse("meteor")).hasMessage("unknown fault 'meteor': use none, instance, node, freeze");
        assertThatThrownBy(() -> FalseFailovers.of(List.of(), FAULT, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
