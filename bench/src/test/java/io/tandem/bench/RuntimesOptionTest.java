package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** router-hop's and cold-start's {@code --runtimes}: a wrong one, or a missing file, is refused before any server starts. */
class RuntimesOptionTest {
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void routerHopRefusesAnUnknownRuntime() {
        assertThat(run("router-hop", "--runtimes", "http,python")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown runtime 'python': use http, java or exec");
    }

    @Test
    void routerHopRefusesAMissingScript() {
        assertThat(run("router-hop", "--runtimes", "exec", "--script", "no/such/script.sh")).isEqualTo(3);
        assertThat(err.toString()).contains("no such file no/such/script.sh");
    }

    @Test
    void coldStartRefusesTheHttpRuntimeWhichHasNoWarmPool() {
        assertThat(run("cold-start", "--runtimes", "java,http")).isEqualTo(2);
        assertThat(err.toString()).contains("runtime 'http' has no warm pool to start from: use java or exec");
    }

    @Test
    void coldStartRefusesAMissingJar() {
        assertThat(run("cold-start", "--runtimes", "java", "--jar", "no/such.jar")).isEqualTo(3);
        assertThat(err.toString()).contains("no such file no/such.jar");
    }
}
