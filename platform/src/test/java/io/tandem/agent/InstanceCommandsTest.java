package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.tandem.home.TandemHome;
import io.tandem.model.Runtime;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @TempDir
    Path home;

    private static LaunchRequest exec(List<String> jvmOptions) {
        return new LaunchRequest("i1", "exec", Runtime.EXEC, null, null, null, null, jvmOptions, null, null, 64, 0, null);
    }

    @Test
    void withTheJvmHostChosenAnExecInstanceIsAJvmWithItsShareOfMemory() {
        var commands = new InstanceCommands(new TandemHome(home), () -> null, "jvm");

        assertThat(commands.runsNative(exec(List.of()))).isFalse();
        assertThat(commands.execHost().reason()).isEqualTo("TANDEM_EXEC_HOST=jvm");
        assertThat(commands.limits(exec(List.of()), 64, 0).memoryBytes()).isEqualTo((64L + InstanceCommands.RUNTIME_MEMORY_MB) << 20);
    }

    @Test
    void anExecEnvironmentWithJvmOptionsKeepsTheJvmHost() {
        var commands = new InstanceCommands(new TandemHome(home), () -> null, "native");

        assertThat(commands.runsNative(exec(List.of("-Xmx32m")))).isFalse();
        assertThat(commands.runsNative(new LaunchRequest("i2", "java", Runtime.JAVA, null, null, null, null, List.of(), null, null))).isFalse();
    }

    @Test
    void theNativeHostRunsExecInstancesWhenItCanBeBuilt() throws Exception {
        boolean compiler;
        try {
            compiler = new ProcessBuilder("cc", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (java.io.IOException e) {
            compiler = false;
        }
        assumeThat(compiler).as("a C compiler (cc) on the PATH").isTrue();
        var commands = new InstanceCommands(new TandemHome(home), () -> null, "native");

        ExecHost.Built host = commands.execHost();

        assertThat(host.reason()).isNull();
        assertThat(host.binary()).isExecutable();
        assertThat(commands.runsNative(exec(List.of()))).isTrue();
        assertThat(commands.limits(exec(List.of()), 64, 0).memoryBytes()).isEqualTo((64L + InstanceCommands.NATIVE_HOST_MEMORY_MB) << 20);
    }

    @Test
    void anInstanceOfItsOwnUserGetsAShellSoItsShellsDoNotSearchTheUserDatabases() {
        var agent = java.util.Map.of("PATH", "/usr/bin", "SHELL", "/bin/bash", "HOME", "/root", "TANDEM_HOME", "/var/tandem", "LANG", "C.UTF-8");

        var own = InstanceCommands.baseEnvironment(agent, Path.of("/tmp/instances/i1"));
        assertThat(own).containsEntry("SHELL", "/bin/sh").containsEntry("HOME", "/tmp/instances/i1").containsEntry("LANG", "C.UTF-8")
                .doesNotContainKey("TANDEM_HOME");

        var shared = InstanceCommands.baseEnvironment(agent, null);
        assertThat(shared).containsEntry("SHELL", "/bin/bash").containsEntry("HOME", "/root").doesNotContainKey("TANDEM_HOME");
        assertThat(InstanceCommands.baseEnvironment(java.util.Map.of("PATH", "/usr/bin"), null)).doesNotContainKey("SHELL");
    }
}
