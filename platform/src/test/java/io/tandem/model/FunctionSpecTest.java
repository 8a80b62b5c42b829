package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FunctionSpecTest {
    private static FunctionSpec withCpu(String cpu) {
        return new FunctionSpec("exec", new CodeRef("0".repeat(64), "f", 1, CodeRef.PackageKind.FILE), null, null, null, null, null,
                null, null, null, null).withResources(null, cpu, null);
    }

    @Test
    void cpuIsReadAsKubernetesWritesIt() {
        assertThat(withCpu("250m").cpuMillis()).isEqualTo(250);
        assertThat(withCpu("1").cpuMillis()).isEqualTo(1000);
        assertThat(withCpu("1.5").cpuMillis()).isEqualTo(1500);
        assertThat(withCpu("0.25").cpuMillis()).isEqualTo(250);
        assertThat(withCpu("2.125").cpuMillis()).isEqualTo(2125);
        assertThat(withCpu(null).cpuMillis()).isZero();
        assertThatThrownBy(() -> withCpu("0.001").validate()).hasMessageContaining("spec.cpu");
        assertThatThrownBy(() -> withCpu("1.2345").validate()).hasMessageContaining("250m");
        assertThatThrownBy(() -> withCpu("65").validate()).hasMessageContaining("64 cores");
    }

    @Test
    void variablesAreKeptInNameOrderAndAnEmptySetIsNone() {
        FunctionSpec spec = withCpu(null).withResources(null, null, Map.of("B", "2", "A", "1"));
        assertThat(spec.env().keySet()).containsExactly("A", "B");
        assertThat(withCpu(null).withResources(null, null, Map.of()).env()).isNull();
        assertThat(withCpu(null).variables()).isEmpty();
        assertThatThrownBy(() -> withCpu(null).withResources(null, null, Map.of("TANDEM_X", "1")).validate()).hasMessageContaining("reserved");
        assertThatThrownBy(() -> withCpu(null).withResources(null, null, Map.of("A", "x\0y")).validate()).hasMessageContaining("NUL");
    }
}
