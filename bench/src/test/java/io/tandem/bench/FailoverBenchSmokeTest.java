package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One short trial against a real server: the exec function under active-standby, no fault, 10 requests a second for
 * 3 s on two nodes. Every request is counted once, and the promotions are read from the cluster's events. Most of
 * its time is the server's start (its agents and warm pools).
 */
class FailoverBenchSmokeTest {
    @Test
    @Timeout(180)
    void countsEveryRequestAndThePromotionsOfARealRun() {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            code = Main.commandLine().execute("failover", "--runtime", "exec", "--strategies", "active-standby", "--faults", "none",
                    "--rate", "10", "--seconds", "3", "--trials", "1", "--nodes", "2", "--script", "../examples/exec/hello.sh");
        } finally {
            System.setOut(stdout);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        stdout.print(output);

        assertThat(code).as("exit code").isZero();
        assertThat(output).doesNotContain("not counted");
        String row = output.lines().filter(l -> l.startsWith("| exec / active-standby / none |")).findFirst().orElseThrow();
        String[] cells = row.split("\\|");
        // | label | trials | sent | ok | failed | shed | worst | p50 | p99 | promotions | false failovers |
        assertThat(cells[2].trim()).as("trials").isEqualTo("1");
        assertThat(cells[3].trim()).as("sent").isEqualTo("30");
        int ok = Integer.parseInt(cells[4].trim());
        int failed = Integer.parseInt(cells[5].trim());
        int shed = Integer.parseInt(cells[6].trim());
        assertThat(ok + failed + shed).as("each request counted once").isEqualTo(30);
        assertThat(ok).as("served").isPositive();
        int promotions = Integer.parseInt(cells[10].trim());
        assertThat(cells[11].trim()).as("with no fault, every promotion is a false failover").isEqualTo(Integer.toString(promotions));
    }
}
