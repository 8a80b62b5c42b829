package io.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.home.ServerInfo;
import io.tandem.home.TandemHome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What scripts rely on: the exit code and one line on stderr saying what was wrong. No server runs here. */
class ExitCodesTest {
    @TempDir
    Path home;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private PrintStream oldErr;
    private PrintStream oldOut;

    @BeforeEach
    void capture() {
        System.setProperty("tandem.home", home.toString());
        oldErr = System.err;
        oldOut = System.out;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(oldErr);
        System.setOut(oldOut);
        System.clearProperty("tandem.home");
    }

    @Test
    void noServerIsExitThreeWithHowToStartOne() {
        assertThat(Main.run("fn", "list")).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("tandem server").contains(home.toString());
    }

    @Test
    void chaosRefusesBadUsageWithExitTwoBeforeLookingForAServer() {
        assertThat(Main.run("chaos", "freeze-node", "n1", "--for", "soon")).isEqualTo(ExitCodes.USAGE);
        assertThat(Main.run("chaos", "freeze-node", "n1", "--for", "11m")).isEqualTo(ExitCodes.USAGE);
        assertThat(Main.run("chaos", "kill-instance", "hello", "--role", "leader")).isEqualTo(ExitCodes.USAGE);
        assertThat(Main.run("chaos", "kill-instance", "hello", "--role", "active", "--instance", "hello-1")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("invalid duration 'soon'", "from 1ms to 10m",
                "leader", "not both");
        assertThat(Main.run("chaos", "kill-node", "n1")).isEqualTo(ExitCodes.UNAVAILABLE);
    }

    @Test
    void unknownOptionIsExitTwo() {
        assertThat(Main.run("fn", "list", "--bogus")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--bogus");
    }

    @Test
    void missingRequiredOptionIsExitTwo() {
        assertThat(Main.run("fn", "create", "--env", "java")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--name");
    }

    @Test
    void invalidNameIsRefusedBeforeAnythingIsSent() {
        assertThat(Main.run("route", "create", "--function", "Hello", "--path", "/x")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("invalid name 'Hello'");
    }

    @Test
    void specWithATypoIsExitOneNamingFileLineAndFieldWithoutContactingAServer() throws Exception {
        Path spec = home.resolve("bad.yaml");
        Files.writeString(spec, "apiVersion: tandem/v1\nkind: Environment\nmetadata:\n  name: e\nspec:\n  runtme: java\n");
        assertThat(Main.run("apply", "-f", spec.toString())).isEqualTo(ExitCodes.FAILED);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("bad.yaml:6: spec.runtme: unknown field");
    }

    @Test
    void helpIsExitZeroAndListsEveryCommand() {
        assertThat(Main.run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("server", "agent", "env", "fn", "route", "apply", "delete", "status");
        for (String[] cmd : new String[][]{{"fn", "create", "--help"}, {"fn", "logs", "--help"}, {"route", "create", "--help"},
                {"env", "create", "--help"}, {"status", "--help"}, {"apply", "--help"}}) {
            assertThat(Main.run(cmd)).as(String.join(" ", cmd)).isZero();
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Example:");
    }

    @Test
    void aServerRecordedButGoneIsExitThree() throws Exception {
        TandemHome h = new TandemHome(home);
        h.ensureToken();
        new ServerInfo("http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9", 1, Instant.now(), 0).writeTo(h);
        assertThat(Main.run("status")).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("is 'tandem server' running?");
    }
}
