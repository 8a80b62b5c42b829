package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.Runtime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JVM options of java and exec instances: the runtime's defaults, then the environment's own. */
class InstanceCommandsTest {

    @Test
    void anEnvironmentsOptionsComeAfterTheDefaultsSoTheyWin() {
        List<String> options = InstanceCommands.jvmOptions(Runtime.JAVA, List.of("-Xss1m", "-XX:TieredStopAtLevel=1"));
        assertThat(options).startsWith(InstanceCommands.JAVA_DEFAULTS.toArray(String[]::new)).endsWith("-Xss1m", "-XX:TieredStopAtLevel=1");
    }

    @Test
    void aCollectorTheEnvironmentPicksReplacesTheDefaultOne() {
        assertThat(InstanceCommands.jvmOptions(Runtime.JAVA, List.of("-XX:+UseZGC")))
                .contains("-XX:+UseZGC").doesNotContain("-XX:+UseSerialGC");
    }

    @Test
    void aHeapTheEnvironmentSizesDropsTheDefaultFirstHeap() {
        // A default -Xms above the environment's -Xmx would stop the JVM at start.
        assertThat(InstanceCommands.jvmOptions(Runtime.JAVA, List.of("-Xmx12m"))).noneMatch(o -> o.startsWith("-Xms")).endsWith("-Xmx12m");
        assertThat(InstanceCommands.jvmOptions(Runtime.JAVA, List.of())).anyMatch(o -> o.startsWith("-Xms"));
    }

    @Test
    void anExecInstanceRunsASmallJvm() {
        assertThat(InstanceCommands.jvmOptions(Runtime.EXEC, List.of())).containsExactlyElementsOf(InstanceCommands.EXEC_DEFAULTS)
                .contains("-XX:TieredStopAtLevel=1").anyMatch(o -> o.startsWith("-Xmx"));
    }
}
