package io.tandem.controller.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.Change;
import io.tandem.model.Resource;
import io.tandem.model.Resource.Kind;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourceStoreCrashTest {
    @TempDir
    Path tmp;

    @Test
    void keepsEveryAcknowledgedWriteAcrossKillMinus9() throws Exception {
        Path dir = tmp.resolve("data");
        for (int round = 0; round < 3; round++) {
            List<String> acked = runAndKill(dir, 40 + round * 37);
            try (ResourceStore store = ResourceStore.open(dir)) {
                Set<String> stored = store.read(tx -> tx.list(Kind.ENVIRONMENT)).stream().map(Resource::name).collect(Collectors.toSet());
                assertThat(stored).containsAll(acked);
                List<Change> log = store.changesSince(0);
                for (int i = 0; i < log.size(); i++) assertThat(log.get(i).revision()).isEqualTo(i + 1);
                assertThat(store.revision()).isEqualTo(log.size());
                Set<String> replayed = new TreeSet<>();
                for (Change c : log) {
                    if (c.type() == Change.Type.DELETED) replayed.remove(c.resource().name());
                    else replayed.add(c.resource().name());
                }
                assertThat(stored).containsExactlyInAnyOrderElementsOf(replayed);
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("store.db"));
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("ok");
            }
        }
    }

    /** Starts a CrashWriter, lets it acknowledge at least {@code atLeast} writes, SIGKILLs it mid-loop. */
    private List<String> runAndKill(Path dir, int atLeast) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> acked = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ack ")) acked.add(line.substring(4));
                if (acked.size() >= atLeast) {
                    // SIGKILL from outside, as an operator would: destroyForcibly() would also close our pipe
                    assertThat(new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor()).isZero();
                    break;
                }
            }
            // acknowledgements already in the pipe count too: the writer got them back from the store
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ack ")) acked.add(line.substring(4));
            }
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(137);
        assertThat(acked).hasSizeGreaterThanOrEqualTo(atLeast);
        return acked;
    }
}
