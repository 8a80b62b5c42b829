package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.http.FreePort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime's class-data archive, trained by a real JVM and mapped by another. */
class ClassDataArchiveTest {
    static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    static final String CLASSPATH = RuntimeClasspath.of(RuntimeClasspath.libDir());

    @TempDir
    Path cache;

    @Test
    void isTrainedOnceAndAnInstanceStartsWithIt() throws Exception {
        ClassDataArchive archive = new ClassDataArchive(cache, JAVA, CLASSPATH);
        assertThat(archive.options()).as("nothing to map before training").isEmpty();

        CompletableFuture<Void> first = archive.ensure();
        CompletableFuture<Void> second = new ClassDataArchive(cache, JAVA, CLASSPATH).ensure();
        assertThat(second).as("one training per archive in a process").isSameAs(first);
        first.get();

        assertThat(archive.file()).isRegularFile();
        assertThat(archive.options()).containsExactly("-XX:SharedArchiveFile=" + archive.file());
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).as("no part file left")
                    .containsExactly(archive.file().getFileName().toString());
        }
        String output = startRuntime(archive.options());
        assertThat(output).doesNotContain("[error").doesNotContain("[warning][cds]");
        for (List<String> defaults : List.of(InstanceCommands.JAVA_DEFAULTS, InstanceCommands.EXEC_DEFAULTS)) {
            List<String> options = new ArrayList<>(defaults);
            options.addAll(archive.options());
            options.add("-Xshare:on"); // fails to start unless it maps the archive
            assertThat(startRuntime(options)).as("with " + defaults).doesNotContain("[error").doesNotContain("[warning][cds]");
        }
    }

    @Test
    void anArchiveTheJvmCannotUseOnlyCostsAWarning() throws Exception {
        ClassDataArchive archive = new ClassDataArchive(cache, JAVA, CLASSPATH);
        Files.write(archive.file(), new byte[4096]);
        assertThat(startRuntime(archive.options())).contains("cds");
    }

    @Test
    void aTrainingJvmDoesNotOutliveTheProcessThatStartedIt() throws Exception {
        Process agent = new ProcessBuilder(JAVA, "-cp", System.getProperty("java.class.path"), TrainerExitMain.class.getName(), cache.toString())
                .redirectErrorStream(true).start();
        String out = new String(agent.getInputStream().readAllBytes()).strip();
        agent.waitFor();
        long trainer = Long.parseLong(out.lines().reduce((a, b) -> b).orElseThrow());

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(ProcessHandle.of(trainer).map(ProcessHandle::isAlive).orElse(false)).as("training JVM " + trainer + " still running").isFalse());
    }

    @Test
    void aTrainingJvmDiesWithAnAgentKilledBySigkill() throws Exception {
        assumeTrue(Files.isExecutable(Sandbox.SETPRIV), "needs setpriv for the parent-death signal");
        Process agent = new ProcessBuilder(JAVA, "-cp", System.getProperty("java.class.path"), TrainerExitMain.class.getName(), cache.toString(), "stay")
                .redirectErrorStream(true).start();
        long trainer;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream()))) {
            trainer = Long.parseLong(out.readLine().strip());
            assertThat(ProcessHandle.of(trainer).map(ProcessHandle::isAlive).orElse(false)).as("training JVM running before the kill").isTrue();
        } finally {
            // Killed whatever happened above: the process sleeps for ever otherwise, and would outlive a failed test.
            agent.destroyForcibly(); // SIGKILL: no shutdown hook runs
            agent.waitFor();
        }

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(ProcessHandle.of(trainer).map(ProcessHandle::isAlive).orElse(false)).as("training JVM " + trainer + " still running").isFalse());
    }

    @Test
    void theArchiveNameChangesWithTheRuntimeJars() throws IOException {
        Path jar = Files.writeString(cache.resolve("a.jar"), "one");
        String before = ClassDataArchive.fingerprint(JAVA, jar.toString());
        Files.writeString(jar, "other contents");
        assertThat(ClassDataArchive.fingerprint(JAVA, jar.toString())).isNotEqualTo(before);
    }

    /** Starts the java runtime with {@code options}, waits until it is healthy, stops it and returns its output. */
    private String startRuntime(List<String> options) throws Exception {
        int port = FreePort.loopback();
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        cmd.addAll(options);
        cmd.addAll(List.of("-cp", CLASSPATH, "io.tandem.runtime.Main", "java"));
        Path out = cache.resolve("runtime.out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("PORT", Integer.toString(port));
        Process p = pb.start();
        try (var stdin = p.getOutputStream()) {
            stdin.write("secret\n".getBytes());
        }
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/_/health")).timeout(Duration.ofSeconds(2)).build();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        } finally {
            p.destroy();
            p.waitFor();
        }
        return Files.readString(out);
    }
}
