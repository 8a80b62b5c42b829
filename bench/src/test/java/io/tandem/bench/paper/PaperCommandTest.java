package io.tandem.bench.paper;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.bench.Main;
import io.tandem.http.FreePort;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad input: refused with one line that says what was wrong, before any server starts or any file is written. */
class PaperCommandTest {
    @TempDir
    Path tmp;

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void refusesAnUnknownScenarioNamingTheKnownOnes() {
        int code = run("paper", "--scenarios", "none,meteor", "--out", tmp.resolve("out").toString(), "--examples", "../examples");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("unknown scenario 'meteor'").contains("none, instance, node, freeze");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void refusesAnUnknownStrategyOrApp() {
        assertThat(run("paper", "--strategies", "retry,hope", "--out", tmp.resolve("a").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("unknown strategy 'hope'");
        assertThat(run("paper", "--apps", "wordcount", "--out", tmp.resolve("b").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("unknown app 'wordcount'").contains("fibonacci, guestbook");
    }

    @Test
    void refusesAnOutputDirectoryThatExistsUnlessForced() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("report"));
        Files.writeString(out.resolve("mine.txt"), "keep me");

        int code = run("paper", "--apps", "fibonacci", "--out", out.toString(), "--examples", "../examples");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("exists").contains("--force");
        assertThat(out.resolve("mine.txt")).hasContent("keep me");
        assertThat(out.resolve("report.md")).doesNotExist();
    }

    @Test
    void refusesAnUnreachableRedisBeforeAnythingStarts() throws Exception {
        int closed = FreePort.loopback();
        Path out = tmp.resolve("out");
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        System.setErr(new java.io.PrintStream(stderr, true));
        int code;
        try {
            code = run("paper", "--apps", "guestbook", "--redis", "redis://127.0.0.1:" + closed, "--out", out.toString(), "--examples", "../examples");
        } finally {
            System.setErr(saved);
        }

        assertThat(code).isEqualTo(3);
        assertThat(stderr.toString()).contains("127.0.0.1:" + closed + " is not reachable").contains("--apps fibonacci");
        assertThat(out).doesNotExist();
    }

    @Test
    void refusesSizesThatCannotMakeARun() {
        assertThat(run("paper", "--duration", "1s", "--out", tmp.resolve("a").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--duration must be at least 2s");
        assertThat(run("paper", "--profile", "huge", "--out", tmp.resolve("b").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("unknown profile 'huge': use quick or paper");
        assertThat(run("paper", "--nodes", "1", "--out", tmp.resolve("c").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--nodes must be at least 2");
    }

    @Test
    void theProfilesSetThePapersSizesAndOptionsOverrideThem() {
        PaperCommand paper = new PaperCommand();
        CommandLine cli = new CommandLine(paper);
        cli.parseArgs("--profile", "paper");
        Plan p = paper.plan();
        assertThat(p.requests()).isEqualTo(3000);
        assertThat(p.duration()).hasMinutes(5);
        assertThat(p.repeat()).isEqualTo(5);
        assertThat(p.runs()).isEqualTo(2 * 3 * 4 * 5);
        assertThat(p.arrivals()).isEqualTo(Arrivals.POISSON);
        assertThat(p.estimate().toHours()).isGreaterThanOrEqualTo(1); // said up front: it takes hours

        PaperCommand quick = new PaperCommand();
        new CommandLine(quick).parseArgs("--repeat", "2", "--scenarios", "node");
        Plan q = quick.plan();
        assertThat(q.profile()).isEqualTo("quick");
        assertThat(q.rate()).isEqualTo(10.0); // the paper's 3000 requests in 5 minutes
        assertThat(q.repeat()).isEqualTo(2);
        assertThat(q.scenarios()).containsExactly(Scenario.NODE);
    }
}
