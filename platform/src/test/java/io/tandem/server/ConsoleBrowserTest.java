package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.executor.ExecutorStatus;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.FaultTolerance;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Json;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import io.tandem.model.Strategy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The web console in a real browser: headless Chromium (Debian's {@code chromium}) driven by Playwright
 * ({@code playwright-core} from npm, in {@code src/test/console}) against a real server. The script refuses a
 * missing and a wrong token, signs in, sees an active-standby function, runs {@code tandem chaos kill-instance} on
 * its active, and sees the standby become the active on the page. {@code scripts/test.sh} installs Chromium.
 */
class ConsoleBrowserTest {
    static final Path CONSOLE_TESTS = RunningServer.repoRoot().resolve("platform/src/test/console");

    RunningServer tandem;

    @BeforeEach
    void start() throws Exception {
        assertThat(Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium")))
                .as("Chromium is needed: apt-get install chromium (scripts/test.sh does)").isExecutable();
        installPlaywright();
        tandem = new RunningServer(2);
        tandem.client.put("/v1/environments/java", new Environment(Metadata.named("java"), new EnvironmentSpec(Runtime.JAVA, null, 0, null)));
    }

    @AfterEach
    void stop() throws IOException {
        if (tandem != null) tandem.close();
    }

    @Test
    void anOperatorSignsInAndWatchesTheStandbyTakeOverWhenTheActiveIsKilled() throws Exception {
        CodeRef jar = tandem.client.uploadPackage(RunningServer.repoRoot().resolve("examples/hello/target/hello.jar"));
        tandem.client.put("/v1/functions/hello", new Function(Metadata.named("hello"), new FunctionSpec("java", jar, "example.Hello",
                ExecutorType.NEWDEPLOY, 1, 1, null, null, null, true,
                // Probes patient enough for a machine whose cores other jobs share; a crash is caught by its exit anyway.
                new FaultTolerance(Strategy.ACTIVE_STANDBY, null, null, null, Duration.ofMillis(500), 10, null))));
        await().atMost(Duration.ofSeconds(90)).until(() -> roles().containsAll(List.of("active", "standby")));

        List<String> kill = List.of(ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                "io.tandem.cli.Main", "chaos", "kill-instance", "hello", "--role", "active");
        Path shots = Path.of("target", "console-e2e");
        ProcessBuilder pb = new ProcessBuilder("node", "console.e2e.mjs", "http://127.0.0.1:" + tandem.server.apiPort() + "/console/",
                tandem.home.readToken(), "hello", Json.write(kill), shots.toAbsolutePath().toString())
                .directory(CONSOLE_TESTS.toFile()).redirectErrorStream(true);
        pb.environment().put("TANDEM_HOME", tandem.home.root().toString());
        Process node = pb.start();
        String output;
        try {
            boolean ended = node.waitFor(180, TimeUnit.SECONDS);
            output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ended).as("the browser script did not finish: " + output).isTrue();
        } finally {
            node.destroyForcibly();
        }
        System.out.println(output);
        assertThat(node.exitValue()).as(output).isZero();
        assertThat(output).contains("console e2e: ok");
    }

    private List<String> roles() {
        return tandem.server.executor().status().instances().stream().filter(i -> "hello".equals(i.function()) && "ready".equals(i.state()))
                .map(ExecutorStatus.InstanceStatus::role).toList();
    }

    /** {@code npm ci} once, from the lock file, when playwright-core is not there yet. */
    private static synchronized void installPlaywright() throws Exception {
        if (Files.isDirectory(CONSOLE_TESTS.resolve("node_modules/playwright-core"))) return;
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(CONSOLE_TESTS.toFile()).redirectErrorStream(true).start();
        String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(npm.waitFor()).as("npm ci in " + CONSOLE_TESTS + ": " + out).isZero();
    }
}
