package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.agent.testing.TestInstances;
import io.tandem.home.TandemHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent as its own process. */
class AgentMainTest {
    @TempDir
    Path dir;

    private Process shell;
    private Optional<ProcessHandle> agent = Optional.empty();

    @AfterEach
    void cleanUp() {
        agent.ifPresent(ProcessHandle::destroyForcibly);
        if (shell != null) shell.destroyForcibly();
    }

    @Test
    void exitsWhenItsParentProcessDies() throws Exception {
        new TandemHome(dir).ensureToken();
        // The shell stays the agent's parent (no exec: it still has 'true' to run afterwards).
        String cmd = "'" + TestInstances.java() + "' -XX:TieredStopAtLevel=1 -cp '" + TestInstances.classpath() + "' "
                + AgentMain.class.getName() + " --name n1 --executor http://127.0.0.1:1 --home '" + dir + "' --exit-with-parent; true";
        shell = new ProcessBuilder(List.of("sh", "-c", cmd)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.out").toFile()).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> shell.toHandle().children().findFirst().isPresent());
        agent = shell.toHandle().children().findFirst();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(dir.resolve("agent.out")).contains("listening on"));

        shell.destroyForcibly();

        await().atMost(Duration.ofSeconds(30)).until(() -> !agent.orElseThrow().isAlive());
        assertThat(agent.orElseThrow().isAlive()).isFalse();
    }

    @Test
    void readsTheLogCapWithItsUnitAndRefusesSizesItCannotKeep() {
        assertThat(AgentMain.logCap(null)).isEqualTo(10L << 20);
        assertThat(AgentMain.logCap("512KB")).isEqualTo(512L << 10);
        assertThat(AgentMain.logCap("2 gb")).isEqualTo(2L << 30);
        assertThat(AgentMain.logCap("70000")).isEqualTo(70_000);
        for (String bad : List.of("10", "1TB", "-5MB", "lots", "99999999999999999999GB")) {
            assertThatThrownBy(() -> AgentMain.logCap(bad)).as(bad)
                    .hasMessageContaining("TANDEM_LOG_CAP '" + bad + "'").hasMessageContaining("10MB");
        }
    }
}
