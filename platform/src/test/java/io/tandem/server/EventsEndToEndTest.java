package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Json;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica killed with SIGKILL shows up in {@code tandem events}: its exit, then its replacement becoming ready, both
 * in the list and, as they happen, in {@code tandem events -f}.
 */
class EventsEndToEndTest {
    static RunningServer tandem;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        tandem = new RunningServer(1);
        // No warm pools: this test needs one replica, and the machine's cores are shared.
        tandem.client.put("/v1/environments/java", new Environment(Metadata.named("java"), new EnvironmentSpec(Runtime.JAVA, null, 0, null)));
        tandem.client.put("/v1/environments/exec", new Environment(Metadata.named("exec"), new EnvironmentSpec(Runtime.EXEC, null, 0, null)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (tandem != null) tandem.close();
    }

    @Test
    void aKilledNewdeployReplicaIsReportedAsExitedAndItsReplacementAsReady() throws Exception {
        CodeRef script = tandem.client.uploadPackage(RunningServer.repoRoot().resolve("examples/exec/hello.sh"));
        tandem.client.put("/v1/functions/echo", new Function(Metadata.named("echo"), new FunctionSpec("exec", script, null,
                ExecutorType.NEWDEPLOY, 1, 1, null, null, null, null, null)));
        JsonNode replica = await().atMost(Duration.ofSeconds(60)).until(() -> readyReplica(null), r -> r != null);
        String killed = replica.path("id").asText();
        Path followed = tmp.resolve("events-f.out");
        Process follower = follow(followed);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(followed).contains("\"" + killed + "\""));

            assertThat(ProcessHandle.of(replica.path("pid").asLong()).orElseThrow().destroyForcibly()).isTrue();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(Files.readString(followed))
                    .as("tandem events -f prints the exit as it happens").contains("\"instance-exited\"", "\"instance-replaced\""));
        } finally {
            follower.destroyForcibly().waitFor();
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode events = eventsOfEcho();
            long exitedSeq = seqOf(events, "instance-exited", killed);
            assertThat(exitedSeq).as("instance-exited of %s in %s", killed, events).isPositive();
            boolean replacementReady = false;
            for (JsonNode e : events) {
                replacementReady |= e.path("type").asText().equals("instance-ready") && e.path("seq").asLong() > exitedSeq
                        && !e.path("instance").asText().equals(killed);
            }
            assertThat(replacementReady).as("a later instance-ready in %s", events).isTrue();
        });
        JsonNode exited = find(eventsOfEcho(), "instance-exited", killed);
        assertThat(exited.path("node").asText()).isEqualTo("n1");
        assertThat(exited.path("detail").asText()).contains("exit code 137");

        String table = EndToEndTest.captureOut(() -> assertThat(tandem.cli("events", "--function", "echo")).isZero());
        assertThat(table).contains("TIME", "TYPE", "instance-exited", killed).containsPattern("\\b\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d\\b");
    }

    /** {@code tandem events -f -o json --function echo} as its own process, as a user would leave it running. */
    private static Process follow(Path output) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.tandem.cli.Main", "events", "-f", "-o", "json", "--function", "echo")
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("TANDEM_HOME", tandem.home.root().toString());
        return pb.start();
    }

    private static JsonNode readyReplica(String notId) {
        for (JsonNode i : tandem.client.get("/v1/status").path("instances")) {
            if (i.path("function").asText().equals("echo") && i.path("state").asText().equals("ready") && i.path("pid").asLong() > 0
                    && !i.path("id").asText().equals(notId)) return i;
        }
        return null;
    }

    /** What {@code tandem events --function echo -o json} prints, parsed. */
    private static JsonNode eventsOfEcho() throws Exception {
        String out = EndToEndTest.captureOut(() -> assertThat(tandem.cli("events", "--function", "echo", "-o", "json")).isZero());
        return Json.MAPPER.readTree(out);
    }

    private static long seqOf(JsonNode events, String type, String instance) {
        JsonNode e = find(events, type, instance);
        return e == null ? -1 : e.path("seq").asLong();
    }

    private static JsonNode find(JsonNode events, String type, String instance) {
        for (JsonNode e : events) {
            if (e.path("type").asText().equals(type) && e.path("instance").asText().equals(instance)) return e;
        }
        return null;
    }
}
