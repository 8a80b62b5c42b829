package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.FaultTolerance;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Json;
import io.tandem.model.LogRecord;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import io.tandem.model.Strategy;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Function logs through the real pipeline: instances of the three runtimes write, their agents keep the lines, and
 * {@code tandem fn logs}, run as its own process as a user would, shows them, following them as they come.
 */
class LogsEndToEndTest {
    static RunningServer tandem;
    final List<Process> followers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        tandem = new RunningServer(2);
        tandem.client.put("/v1/environments/java", new Environment(Metadata.named("java"), new EnvironmentSpec(Runtime.JAVA, null, 0, null)));
        tandem.client.put("/v1/environments/exec", new Environment(Metadata.named("exec"), new EnvironmentSpec(Runtime.EXEC, null, 0, null)));
    }

    @AfterAll
    static void stop() throws IOException {
        if (tandem != null) tandem.close();
    }

    @AfterEach
    void stopFollowers() {
        followers.forEach(Process::destroyForcibly);
    }

    @Test
    void linesFromJavaExecAndHttpInstancesArriveInFollowingCliWithTheirOrigin() throws Exception {
        Path root = RunningServer.repoRoot();
        deploy("hello", Runtime.JAVA, tandem.client.uploadPackage(root.resolve("examples/hello/target/hello.jar")), "example.Hello", Strategy.ACTIVE_STANDBY);
        deploy("exec-hello", Runtime.EXEC, tandem.client.uploadPackage(root.resolve("examples/exec/hello.sh")), null, Strategy.RETRY);
        tandem.client.put("/v1/environments/java-source", new Environment(Metadata.named("java-source"),
                new EnvironmentSpec(Runtime.HTTP, "{java} {code}", 0, null)));
        put(new Function(Metadata.named("http-hello"), new FunctionSpec("java-source",
                tandem.client.uploadPackage(root.resolve("examples/http/Server.java")), null, ExecutorType.NEWDEPLOY,
                1, 1, null, null, null, true, FaultTolerance.defaults())));

        Queue<String> java = follow("hello");
        Queue<String> exec = follow("exec-hello");
        Queue<String> http = follow("http-hello");
        await().atMost(Duration.ofSeconds(90)).until(() -> tandem.get("/function/hello?name=Ada").statusCode() == 200);
        assertThat(tandem.post("/function/exec-hello/some/path", "body").statusCode()).isEqualTo(200);
        assertThat(tandem.get("/function/http-hello").statusCode()).isEqualTo(200);

        // System.out of a java handler, stderr of a script, stderr of a server: each with time, function, instance, node.
        String stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z";
        awaitLine(java, stamp + " \\[hello hello-\\S+@\\S+ stdout\\] greeting Ada");
        awaitLine(exec, stamp + " \\[exec-hello exec-hello-\\S+@\\S+ stderr\\] exec-hello: POST /some/path");
        awaitLine(http, stamp + " \\[http-hello http-hello-\\S+@\\S+ stderr\\] listening on 127\\.0\\.0\\.1:\\d+");

        // A line written after the follower started arrives too, and only once.
        assertThat(tandem.get("/function/hello?name=Grace").statusCode()).isEqualTo(200);
        awaitLine(java, ".*greeting Grace");
        assertThat(java.stream().filter(l -> l.endsWith("greeting Grace"))).hasSize(1);
    }

    @Test
    void aMegabyteLineIsCutAndBinaryOutputEscapedWithoutBreakingTheLinesAroundThem() throws Exception {
        Path script = Files.createTempFile("noisy", ".sh");
        Files.writeString(script, """
                #!/usr/bin/env bash
                echo before >&2
                head -c 1048576 /dev/zero | tr '\\0' x >&2; echo >&2
                printf 'bin \\x00\\x01\\xff\\x1b[2J end\\n' >&2
                echo after >&2
                echo ok
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        deploy("noisy", Runtime.EXEC, tandem.client.uploadPackage(script), null, Strategy.RETRY);
        await().atMost(Duration.ofSeconds(90)).until(() -> tandem.get("/function/noisy").statusCode() == 200);

        List<LogRecord> records = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            records.clear();
            ByteArrayOutputStream ndjson = new ByteArrayOutputStream();
            tandem.client.stream("/v1/functions/noisy/logs?tail=10&format=json", ndjson);
            ndjson.toString(StandardCharsets.UTF_8).lines().forEach(l -> records.add(Json.read(l, LogRecord.class)));
            return records.stream().anyMatch(r -> r.message().equals("after"));
        });
        List<String> messages = records.stream().map(LogRecord::message).toList();
        int before = messages.indexOf("before");
        assertThat(messages.subList(before, before + 4)).satisfiesExactly(
                m -> assertThat(m).isEqualTo("before"),
                m -> assertThat(m).hasSizeLessThan(17 * 1024).startsWith("xxxx").endsWith("...[line cut: " + (1048576 - 16 * 1024) + " more bytes]"),
                m -> assertThat(m).isEqualTo("bin \\x00\\x01\\xff\\x1b[2J end"),
                m -> assertThat(m).isEqualTo("after"));
        assertThat(records.get(before).stream()).isEqualTo("stderr");
    }

    @Test
    void badQueriesAreRefusedWithTheReason() throws Exception {
        Process p = cli("fn", "logs", "--name", "hello", "--since", "yesterday");
        assertThat(p.waitFor()).isEqualTo(2);
        assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("invalid --since", "'yesterday'", "90s, 5m, 2h");
        p = cli("fn", "logs", "--name", "ghost");
        assertThat(p.waitFor()).isNotZero();
        assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).contains("ghost");
    }

    private void deploy(String name, Runtime runtime, CodeRef code, String entrypoint, Strategy strategy) {
        put(new Function(Metadata.named(name), new FunctionSpec(runtime.wireName(), code, entrypoint, ExecutorType.NEWDEPLOY,
                1, 1, null, null, null, true, strategy == Strategy.ACTIVE_STANDBY
                // Probes patient enough for a machine whose cores other jobs share; a crash is caught by its exit anyway.
                ? new FaultTolerance(Strategy.ACTIVE_STANDBY, null, null, null, Duration.ofMillis(500), 10, null)
                : FaultTolerance.defaults().withStrategy(strategy))));
    }

    private void put(Function f) {
        tandem.client.put("/v1/functions/" + f.metadata().name(), f);
    }

    /** {@code tandem fn logs --name F -f} in a process of its own; its stdout lines land in the returned queue. */
    private Queue<String> follow(String function) throws IOException {
        Process p = cli("fn", "logs", "--name", function, "-f");
        followers.add(p);
        Queue<String> lines = new ConcurrentLinkedQueue<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null; ) lines.add(l);
            } catch (IOException ended) {
                // the follower was stopped
            }
        });
        return lines;
    }

    private static Process cli(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), "io.tandem.cli.Main"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("TANDEM_HOME", tandem.home.root().toString());
        return pb.start();
    }

    private static void awaitLine(Queue<String> lines, String regex) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(lines).anySatisfy(l -> assertThat(l).matches(regex)));
    }
}
