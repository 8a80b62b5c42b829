package io.tandem.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.runtime.Json;
import io.tandem.runtime.NativeHost;
import io.tandem.runtime.TestInstance;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the native exec host can show: how it builds, what it leaves behind, its log, how it stops. */
class NativeExecHostTest {
    @TempDir
    Path dir;

    private NativeHost host;

    @AfterEach
    void stop() {
        if (host != null) host.close();
    }

    private TestInstance shell(String script, String... extraEnv) throws IOException {
        var env = new java.util.HashMap<>(Map.of("TANDEM_FUNCTION", "sh", "TANDEM_COMMAND", Json.MAPPER.writeValueAsString(List.of("/bin/sh", "-c", script))));
        for (int i = 0; i < extraEnv.length; i += 2) env.put(extraEnv[i], extraEnv[i + 1]);
        host = NativeHost.start(env);
        return host.instance();
    }

    @Test
    void compilesWithoutAWarningUnderWallAndWextra() {
        assertThat(NativeHost.compiled().compilerOutput()).isBlank();
    }

    @Test
    void manyCallsLeaveNoZombieNoPipeAndNoPidfdBehind() throws Exception {
        TestInstance instance = shell("case \"$Http_Query\" in fail) echo no >&2; exit 3;; esac; cat");
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String query = i % 5 == 0 ? "/?fail" : "/";
            calls.add(instance.sendAsync(instance.request(query).POST(java.net.http.HttpRequest.BodyPublishers.ofString("call " + i)).build()));
            if (calls.size() % 8 == 0) CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join(); // at most 8 at once
        }
        for (int i = 0; i < calls.size(); i++) {
            HttpResponse<String> response = calls.get(i).get();
            assertThat(response.statusCode()).isEqualTo(i % 5 == 0 ? 500 : 200);
            if (i % 5 != 0) assertThat(response.body()).isEqualTo("call " + i);
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(descriptors(host.pid())).noneMatch(target -> target.startsWith("pipe:") || target.contains("pidfd"));
            assertThat(zombieChildren(host.pid())).isEmpty();
        });
        assertThat(descriptors(host.pid()).size()).as("descriptors: stdio, two listeners, a few connections").isLessThan(40);
    }

    @Test
    void logsEachFailureWithItsRequestIdAndCopiesStderr() throws IOException {
        TestInstance instance = shell("echo \"stderr of $Http_Query\" >&2; case \"$Http_Query\" in fail) exit 3;; slow) sleep 30;; esac", "TANDEM_TIMEOUT_MS", "300");

        assertThat(instance.post("/?fail", "", "X-Tandem-Request-Id", "req-fail").statusCode()).isEqualTo(500);
        assertThat(instance.post("/?slow", "", "X-Tandem-Request-Id", "req-slow").statusCode()).isEqualTo(504);
        assertThat(instance.post("/?fine", "").statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(host.log())
                .contains("[req-fail] exited with 3", "[req-slow] killed after 300 ms", "stderr of fail", "stderr of slow", "stderr of fine"));
    }

    @Test
    void sigtermKillsTheRunningProcessesAndExitsWith0() throws Exception {
        TestInstance instance = shell("echo $$ > " + dir.resolve("sh.pid") + "; sleep 600 & echo $! > " + dir.resolve("sleep.pid") + "; wait");
        CompletableFuture<HttpResponse<String>> call = instance.sendAsync(instance.request("/").GET().build());
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("sleep.pid")) && !Files.readString(dir.resolve("sleep.pid")).isBlank());

        host.process().destroy();

        assertThat(host.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(host.process().exitValue()).isZero();
        for (String name : List.of("sh.pid", "sleep.pid")) {
            long pid = Long.parseLong(Files.readString(dir.resolve(name)).trim());
            await(name).atMost(Duration.ofSeconds(10)).until(() -> ExecRuntimeContract.gone(pid));
        }
        assertThat(call).failsWithin(Duration.ofSeconds(10));
    }

    /** What each open descriptor of a process points at, its stdin, stdout and stderr left out. */
    private static List<String> descriptors(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.filter(fd -> Integer.parseInt(fd.getFileName().toString()) > 2).map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                    return "";
                }
            }).toList();
        }
    }

    /** The process's children that have exited and were not reaped. */
    private static List<Long> zombieChildren(long pid) throws IOException {
        var zombies = new ArrayList<Long>();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path p : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (after[0].equals("Z") && Long.parseLong(after[1]) == pid) zombies.add(Long.parseLong(p.getFileName().toString()));
            }
        }
        return zombies;
    }
}
