package io.tandem.bench.paper;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.bench.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short run of the whole experiment against real servers (Fibonacci under retry and active-standby, no failure and
 * an instance failure, 30 requests over 3 s): the report's tables are filled from the runs' measurements, the raw
 * data holds every request, the figures are drawn.
 */
class PaperBenchSmokeTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(240)
    void writesTheReportFromRealRuns() throws Exception {
        Path out = tmp.resolve("report");
        int code = Main.commandLine().execute("paper", "--apps", "fibonacci", "--strategies", "retry,active-standby",
                "--scenarios", "none,instance", "--requests", "30", "--duration", "3s", "--out", out.toString(), "--examples", "../examples");

        assertThat(code).as("exit code").isZero();

        List<Map<String, String>> runs = csv(out.resolve("runs.csv"));
        assertThat(runs).hasSize(4);
        assertThat(runs).allSatisfy(r -> assertThat(r.get("sent")).isEqualTo("30"));
        Map<String, String> asInstance = runs.stream().filter(r -> r.get("strategy").equals("active-standby") && r.get("scenario").equals("instance"))
                .findFirst().orElseThrow();
        assertThat(asInstance.get("fault")).startsWith("killed instance");
        assertThat(asInstance.get("failed")).as("active-standby loses no request to an instance kill").isEqualTo("0");
        assertThat(asInstance.get("recovery_ms")).isNotEmpty();

        List<Map<String, String>> requests = csv(out.resolve("requests.csv"));
        assertThat(requests).hasSize(4 * 30);
        assertThat(requests.stream().filter(r -> r.get("status").equals("200")))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.get("instance")).matches("fibonacci-.+@n[0-9]+|pool-java-.+@n[0-9]+"));

        String report = Files.readString(out.resolve("report.md"));
        String table1 = report.substring(report.indexOf("## Table 1."), report.indexOf("##", report.indexOf("## Table 1.") + 3));
        String row = table1.lines().filter(l -> l.startsWith("| fibonacci")).findFirst().orElseThrow();
        // The paper's own figures beside Tandem's, and Tandem's taken from the runs just made.
        assertThat(row).contains("2.840 s").contains("1.814 s");
        assertThat(row).contains(Report.millis(Double.parseDouble(asInstance.get("recovery_ms"))));
        Map<String, String> retryInstance = runs.stream().filter(r -> r.get("strategy").equals("retry") && r.get("scenario").equals("instance"))
                .findFirst().orElseThrow();
        assertThat(row).contains(Report.millis(Double.parseDouble(retryInstance.get("recovery_ms"))));
        assertThat(report).contains("## Resource consumption").contains("## Without failures");

        for (String figure : List.of("fibonacci-none", "fibonacci-instance", "fibonacci-resources")) {
            byte[] png = Files.readAllBytes(out.resolve(figure + ".png"));
            assertThat(Arrays.copyOf(png, 4)).containsExactly(0x89, 'P', 'N', 'G');
            assertThat(Files.readString(out.resolve(figure + ".svg"))).contains("<svg");
        }
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("<table>").contains("fibonacci-instance.svg").contains(Report.millis(Double.parseDouble(asInstance.get("recovery_ms"))));
        assertThat(csv(out.resolve("resources.csv"))).isNotEmpty().anySatisfy(r -> assertThat(r.get("class")).isEqualTo("platform"));
    }

    /** A CSV with a header line as maps; quoted fields may hold commas. */
    static List<Map<String, String>> csv(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file);
        List<String> header = split(lines.getFirst());
        return lines.stream().skip(1).map(l -> {
            List<String> cells = split(l);
            return java.util.stream.IntStream.range(0, header.size()).boxed()
                    .collect(Collectors.toMap(header::get, i -> i < cells.size() ? cells.get(i) : "", (a, b) -> a, java.util.LinkedHashMap::new));
        }).map(m -> (Map<String, String>) m).toList();
    }

    private static List<String> split(String line) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (c == ',' && !quoted) {
                out.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        out.add(cell.toString());
        return out;
    }
}
