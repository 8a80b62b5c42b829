package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class CpuHogTest {
    @Test
    @Timeout(30)
    void spinsAtTheBenchmarksOwnPriorityUntilClosed() throws Exception {
        CpuHog hog = CpuHog.start(1);
        try {
            // JVM start-up counts too, so wait for more CPU than that alone would take.
            await().atMost(Duration.ofSeconds(20)).until(() -> hog.cpuTime().toMillis() > 1500);
            assertThat(hog.isAlive()).isTrue();
            // It competes at the benchmark's own priority (normal, 0, unless the benchmark was niced), where /proc tells.
            CpuHog.niceOf(ProcessHandle.current().pid()).ifPresent(own -> assertThat(hog.nice()).hasValue(own));
        } finally {
            hog.close();
        }
        assertThat(hog.isAlive()).isFalse();
    }
}
