package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.chaos.Chaos;
import io.tandem.chaos.Freeze;
import io.tandem.chaos.Target;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Json;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem chaos} against a real server with two agents: a killed newdeploy replica is replaced, a frozen node's
 * processes stop and resume, a killed node's processes are gone and the server reports it dead.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosEndToEndTest {
    static RunningServer tandem;

    @BeforeAll
    static void start() throws Exception {
        tandem = new RunningServer(2);
        // No warm pools: the node under test then runs exactly the replica, and the machine's cores are shared.
        tandem.client.put("/v1/environments/java", new Environment(Metadata.named("java"), new EnvironmentSpec(Runtime.JAVA, null, 0, null)));
        tandem.client.put("/v1/environments/exec", new Environment(Metadata.named("exec"), new EnvironmentSpec(Runtime.EXEC, null, 0, null)));
        CodeRef script = tandem.client.uploadPackage(RunningServer.repoRoot().resolve("examples/exec/hello.sh"));
        tandem.client.put("/v1/functions/echo", new Function(Metadata.named("echo"), new FunctionSpec("exec", script, null,
                ExecutorType.NEWDEPLOY, 1, 1, null, null, null, null, null)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (tandem != null) tandem.close();
    }

    @Test
    @Order(1)
    void refusesWhatDoesNotExistNamingWhatDoes() {
        readyReplica(null);
        String err = EndToEndTest.captureErr(() -> assertThat(tandem.cli("chaos", "kill-instance", "nope")).isEqualTo(1));
        assertThat(err).contains("no function 'nope'");
        err = EndToEndTest.captureErr(() -> assertThat(tandem.cli("chaos", "kill-instance", "echo", "--role", "standby")).isEqualTo(1));
        assertThat(err).contains("no instance with role standby", "replica");
        err = EndToEndTest.captureErr(() -> assertThat(tandem.cli("chaos", "kill-node", "n9")).isEqualTo(1));
        assertThat(err).contains("no node 'n9'", "n1, n2");
        String help = EndToEndTest.captureOut(() -> assertThat(tandem.cli("chaos", "--help")).isZero());
        assertThat(help).contains("kill-instance", "kill-node", "freeze-node", "kill-controller");
    }

    @Test
    @Order(2)
    void killInstanceKillsTheReplicaAndTheExecutorReplacesIt() {
        JsonNode replica = readyReplica(null);
        String out = EndToEndTest.captureOut(() -> assertThat(tandem.cli("chaos", "kill-instance", "echo")).isZero());

        Matcher line = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z killed instance (\\S+) of echo "
                + "\\(role replica, node (n[12]), pid (\\d+)\\) with SIGKILL$").matcher(out.strip());
        assertThat(line.matches()).as(out).isTrue();
        assertThat(line.group(1)).isEqualTo(replica.path("id").asText());
        long pid = Long.parseLong(line.group(3));
        assertThat(pid).isEqualTo(replica.path("pid").asLong());
        awaitGone(pid);
        JsonNode replacement = readyReplica(replica.path("id").asText());
        assertThat(replacement.path("pid").asLong()).isNotEqualTo(pid);
    }

    @Test
    @Order(3)
    void freezeNodeStopsTheAgentAndItsInstancesUntilThawed() throws Exception {
        JsonNode replica = readyReplica(null);
        String node = replica.path("node").asText();
        List<Long> pids;
        try (Freeze frozen = Chaos.local(tandem.client).freezeNode(node)) {
            pids = frozen.targets().stream().map(Target::pid).toList();
            assertThat(frozen.targets()).extracting(Target::kind).contains("agent", "instance");
            assertThat(pids).contains(replica.path("pid").asLong(), nodePid(node));
            for (long pid : pids) assertThat(state(pid)).as("state of pid %d", pid).isEqualTo('T');
        }
        for (long pid : pids) assertThat(state(pid)).as("state of pid %d after thaw", pid).isNotEqualTo('T');

        // The command, with its own duration: caught while frozen, running again once it returns.
        long agent = nodePid(node);
        CompletableFuture<String> command = CompletableFuture.supplyAsync(() -> EndToEndTest.captureOut(() ->
                assertThat(tandem.cli("chaos", "freeze-node", node, "--for", "300ms")).isZero()));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(2)).until(() -> state(agent) == 'T' || command.isDone());
        assertThat(command.isDone()).as("the agent was seen stopped before the command returned").isFalse();
        String out = command.get();
        assertThat(out).contains("froze node " + node + " with SIGSTOP for 300ms", "agent pid " + agent, "thawed node " + node);
        for (long pid : pids) assertThat(state(pid)).as("state of pid %d after the command", pid).isNotEqualTo('T');
    }

    @Test
    @Order(4)
    void killNodeKillsTheAgentAndItsInstancesAndTheServerSeesTheNodeDead() throws Exception {
        JsonNode replica = readyReplica(null);
        String node = replica.path("node").asText();
        long agent = nodePid(node);
        String out = EndToEndTest.captureOut(() -> assertThat(tandem.cli("chaos", "kill-node", node, "-o", "json")).isZero());

        JsonNode record = Json.MAPPER.readTree(out);
        assertThat(record.path("action").asText()).isEqualTo("kill-node");
        assertThat(record.path("signalledAtMs").asLong()).isPositive();
        List<Long> killed = new ArrayList<>();
        for (JsonNode t : record.path("targets")) killed.add(t.path("pid").asLong());
        assertThat(killed).contains(agent, replica.path("pid").asLong());
        assertThat(record.path("targets").get(killed.size() - 1).path("kind").asText()).isEqualTo("agent");
        killed.forEach(ChaosEndToEndTest::awaitGone);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(nodeState(node)).isEqualTo("dead"));

        String err = EndToEndTest.captureErr(() -> assertThat(tandem.cli("chaos", "kill-node", node)).isEqualTo(1));
        assertThat(err).contains("already dead");
    }

    @Test
    @Order(5)
    void anInterruptedFreezeResumesTheNode(@TempDir Path tmp) throws Exception {
        JsonNode replica = readyReplica(null); // the replacement, on the node left alive
        String node = replica.path("node").asText();
        long agent = nodePid(node);
        long instance = replica.path("pid").asLong();
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.tandem.cli.Main", "chaos", "freeze-node", node, "--for", "10m")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("freeze.out").toFile());
        pb.environment().put("TANDEM_HOME", tandem.home.root().toString());
        Process freeze = pb.start();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(2))
                    .until(() -> state(agent) == 'T' && state(instance) == 'T' || !freeze.isAlive());
            assertThat(freeze.isAlive()).as(Files.readString(tmp.resolve("freeze.out"))).isTrue();
            new ProcessBuilder("kill", ctrlC(), Long.toString(freeze.pid())).start().waitFor();
            freeze.waitFor();
        } finally {
            freeze.destroyForcibly().waitFor();
        }
        assertThat(state(agent)).isNotEqualTo('T');
        assertThat(state(instance)).isNotEqualTo('T');
    }

    /**
     * The signal of a Ctrl-C: SIGINT, unless this JVM ignores it, as a job started in the background by a shell
     * without job control does (and so every process it starts, the CLI under test included, whose JVM then installs
     * no handler for it); SIGTERM then stands in, which runs the same shutdown hooks.
     */
    private static String ctrlC() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:") && (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 1)) != 0) return "-TERM";
        }
        return "-INT";
    }

    @Test
    @Order(6)
    void killControllerKillsTheControllerProcessAndTheServerStartsItAgain() throws Exception {
        long before = tandem.server.controllerPid();
        String out = EndToEndTest.captureOut(() -> assertThat(tandem.cli("chaos", "kill-controller")).isZero());
        Matcher line = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z killed the controller \\(pid (\\d+)\\) with SIGKILL$")
                .matcher(out.strip());
        assertThat(line.matches()).as(out).isTrue();
        assertThat(Long.parseLong(line.group(1))).isEqualTo(before);
        awaitGone(before);
        await().atMost(Duration.ofSeconds(60)).until(() -> tandem.server.controllerPid() != 0 && tandem.server.controllerPid() != before
                && tandem.cli("status") == 0);

        long second = tandem.server.controllerPid();
        out = EndToEndTest.captureOut(() -> assertThat(tandem.cli("chaos", "kill-controller", "-o", "json")).isZero());
        JsonNode record = Json.MAPPER.readTree(out);
        assertThat(record.path("action").asText()).isEqualTo("kill-controller");
        assertThat(record.path("targets").get(0).path("kind").asText()).isEqualTo("controller");
        assertThat(record.path("targets").get(0).path("pid").asLong()).isEqualTo(second);
        assertThat(record.path("goneAtMs").asLong()).isGreaterThanOrEqualTo(record.path("signalledAtMs").asLong());
        await().atMost(Duration.ofSeconds(60)).until(() -> tandem.cli("status") == 0);
    }

    /** A ready replica of echo other than {@code notId}, once there is one. */
    private static JsonNode readyReplica(String notId) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (JsonNode i : tandem.client.get("/v1/status").path("instances")) {
                if (i.path("function").asText().equals("echo") && i.path("state").asText().equals("ready") && i.path("pid").asLong() > 0
                        && !i.path("id").asText().equals(notId)) return i;
            }
            return null;
        }, r -> r != null);
    }

    private static long nodePid(String node) {
        for (JsonNode n : tandem.client.get("/v1/status").path("nodes")) {
            if (node.equals(n.path("name").asText())) return n.path("pid").asLong();
        }
        throw new AssertionError("no node " + node);
    }

    private static String nodeState(String node) {
        for (JsonNode n : tandem.client.get("/v1/status").path("nodes")) {
            if (node.equals(n.path("name").asText())) return n.path("state").asText();
        }
        return "absent";
    }

    /** Gone, or a zombie its parent has yet to reap. */
    private static void awaitGone(long pid) {
        await().atMost(Duration.ofSeconds(10)).until(() -> state(pid) == '?' || state(pid) == 'Z');
    }

    /** The state letter of /proc/PID/stat: R, S, T (stopped), Z; '?' once the process is gone. */
    private static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (Exception gone) {
            return '?';
        }
    }
}
