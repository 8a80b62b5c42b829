package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An agent killed with SIGKILL takes its instances with it: none is left running with no agent to stop it. */
class AgentDeathTest {
    static RunningServer tandem;

    @BeforeAll
    static void start() throws Exception {
        tandem = new RunningServer(1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tandem != null) tandem.close();
    }

    @Test
    void instancesDieWithTheirAgent() throws Exception {
        List<ProcessHandle> instances = await().atMost(Duration.ofSeconds(60)).until(AgentDeathTest::readyInstances, l -> l.size() >= 2);
        ProcessHandle agent = instances.getFirst().parent().orElseThrow();
        assertThat(Files.readString(Path.of("/proc/" + agent.pid() + "/cmdline"))).as("the instance's parent").contains("io.tandem.agent.AgentMain");

        agent.destroyForcibly();

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(instances.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)).as("instances still running").isEmpty());
    }

    private static List<ProcessHandle> readyInstances() {
        List<ProcessHandle> found = new ArrayList<>();
        for (JsonNode i : tandem.client.get("/v1/status").path("instances")) {
            if (!i.path("state").asText().equals("ready")) continue;
            ProcessHandle.of(i.path("pid").asLong()).ifPresent(found::add);
        }
        return found;
    }
}
