package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real confined processes, as the agent starts them: their own user, their code copy, the process and memory caps
 * of their control groups, and nothing of theirs left once released. Needs root (and control groups for the caps).
 */
class SandboxTest {
    @TempDir
    Path home;
    Sandbox sandbox;
    Path nodeDir;
    Sandbox.Confinement confined;

    @BeforeEach
    void open() throws IOException {
        assumeTrue(Sandbox.isRoot(), "instances get users of their own only under root");
        nodeDir = home.resolve("nodes").resolve("n1");
        Files.createDirectories(nodeDir);
        Files.writeString(home.resolve("token"), "secret\n");
        Files.setPosixFilePermissions(home.resolve("token"), PosixFilePermissions.fromString("rw-------"));
        Files.createDirectories(nodeDir.resolve("logs"));
        sandbox = Sandbox.open(home, nodeDir, "n1-" + ProcessHandle.current().pid(), null);
    }

    @AfterEach
    void release() {
        if (confined != null) sandbox.release(confined);
    }

    private Process start(List<String> argv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(sandbox.wrap(confined, argv)).directory(confined.dir().toFile()).redirectErrorStream(true);
        return pb.start();
    }

    @Test
    void anInstanceRunsAsItsOwnUserOnAReadOnlyCopyOfItsCodeAndCannotReadTheHome() throws Exception {
        confined = sandbox.confine("i-1", new Cgroups.Limits(0, 0, Sandbox.DEFAULT_PIDS));
        Path code = home.resolve("shared-code.sh");
        Files.writeString(code, "#!/bin/sh\necho from code\n");
        Files.setPosixFilePermissions(code, PosixFilePermissions.fromString("rwx------"));
        Path copy = sandbox.privateCode(confined, code, null);

        Process p = start(List.of("/bin/sh", "-c", "id -u; " + copy + "; cat " + home.resolve("token") + " || echo no-token; "
                + "echo x >> " + copy + " || echo read-only; ls " + nodeDir.resolve("logs") + " || echo no-logs"));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(out.lines().findFirst().orElseThrow()).isEqualTo(Integer.toString(confined.uid()));
        assertThat(confined.uid()).isGreaterThanOrEqualTo(Sandbox.FIRST_ID);
        assertThat(out).contains("from code", "no-token", "read-only", "no-logs").doesNotContain("secret");
        assertThat(Files.isSameFile(copy, code)).as("a file only root may read is copied").isFalse();
    }

    @Test
    void anUnpackedPackagesUploadedFileGoesBesideItsCopyWhenTheCommandNamesIt() throws Exception {
        Path cache = nodeDir.resolve("code").resolve("abc");
        Files.createDirectories(cache.resolve("unpacked"));
        Files.writeString(cache.resolve("unpacked").resolve("app.txt"), "inside\n");
        Path jar = cache.resolve("app.jar");
        Files.writeString(jar, "the jar\n");
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("r--r--r--"));
        confined = sandbox.confine("i-1", new Cgroups.Limits(0, 0, Sandbox.DEFAULT_PIDS));

        Path code = sandbox.privateCode(confined, cache.resolve("unpacked"), jar);
        Path artifact = code.resolveSibling("app.jar");

        assertThat(Files.readString(code.resolve("app.txt"))).isEqualTo("inside\n");
        assertThat(Files.isSameFile(artifact, jar)).as("linked, not copied").isTrue();
        Process p = start(List.of("/bin/cat", artifact.toString()));
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("the jar\n");
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aCachedFileFitToShareIsLinkedAndNeitherItsInstanceNorAnotherCanChangeIt() throws Exception {
        Path cache = nodeDir.resolve("code").resolve("abc");
        Files.createDirectories(cache);
        Files.setPosixFilePermissions(nodeDir.resolve("code"), PosixFilePermissions.fromString("rwx------"));
        Path code = cache.resolve("run.sh");
        Files.writeString(code, "#!/bin/sh\necho from shared code\n");
        Files.setPosixFilePermissions(code, PosixFilePermissions.fromString("r-xr-xr-x"));
        confined = sandbox.confine("i-1", new Cgroups.Limits(0, 0, Sandbox.DEFAULT_PIDS));
        Path linked = sandbox.privateCode(confined, code, null);
        assertThat(Files.isSameFile(linked, code)).as("a link, not a copy").isTrue();

        Process p = start(List.of("/bin/sh", "-c", linked + "; echo x >> " + linked + " || echo read-only; chmod 777 " + linked
                + " || echo mode-kept; rm -f " + linked + " || echo kept"));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("from shared code", "read-only", "mode-kept", "kept");
        assertThat(Files.readString(code)).isEqualTo("#!/bin/sh\necho from shared code\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(code))).isEqualTo("r-xr-xr-x");
        assertThat(Files.getAttribute(code, "unix:gid")).as("still root's group").isEqualTo(0);

        Sandbox.Confinement other = sandbox.confine("i-2", new Cgroups.Limits(0, 0, Sandbox.DEFAULT_PIDS));
        try {
            Process q = new ProcessBuilder(sandbox.wrap(other, List.of("/bin/sh", "-c", "cat " + linked + " || echo no-neighbour; cat "
                    + code + " || echo no-cache"))).directory(other.dir().toFile()).redirectErrorStream(true).start();
            String seen = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(q.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(seen).contains("no-neighbour", "no-cache").doesNotContain("from shared code");
        } finally {
            sandbox.release(other);
        }
        sandbox.release(confined);
        confined = null;
        assertThat(code).as("the cache keeps its file").exists();
    }

    @Test
    void cpuIsCappedToTheFunctionsShareOfACore() throws Exception {
        assumeTrue(sandbox.cgroupVersion().isPresent(), "the CPU cap needs control groups");
        confined = sandbox.confine("i-3", new Cgroups.Limits(0, 100, Sandbox.DEFAULT_PIDS));

        // A busy loop for 3 s of wall time, then the CPU time it got (the shell's `times`: its children's user and
        // system time). Without the cap it gets a whole core on an idle machine; with 100m at most 0.1 s a second.
        Process spin = start(List.of("/bin/bash", "-c", "timeout 3 bash -c 'while :; do :; done'; times"));
        String out = new String(spin.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(spin.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String children = out.lines().reduce((first, second) -> second).orElseThrow(); // "0m0.290s 0m0.004s"
        double seconds = 0;
        for (String t : children.trim().split("\\s+")) {
            String[] minutesSeconds = t.replace("s", "").split("m");
            seconds += Integer.parseInt(minutesSeconds[0]) * 60 + Double.parseDouble(minutesSeconds[1]);
        }
        assertThat(seconds).as("CPU time of a 3 s busy loop under a 100m cap: " + out).isLessThan(0.8);
    }

    @Test
    void processesAndMemoryAreCappedAndNothingOutlivesTheRelease() throws Exception {
        assumeTrue(sandbox.cgroupVersion().isPresent(), "process and memory caps need control groups");
        confined = sandbox.confine("i-2", new Cgroups.Limits(64L << 20, 0, 16));

        Process hog = start(List.of("/usr/bin/perl", "-e", "my $x = 'a' x (300 * 1024 * 1024); print \"survived\\n\";"));
        assertThat(hog.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(hog.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).doesNotContain("survived");
        assertThat(hog.exitValue()).as("killed by the memory cap").isNotZero();

        Process forks = start(List.of("/bin/sh", "-c", "for i in $(seq 40); do sleep 300 >/dev/null 2>&1 & done; echo all-forked"));
        String forked = new String(forks.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(forks.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(forked).as("the shell's own report").containsIgnoringCase("fork").doesNotContain("all-forked");
        assertThat(Sandbox.runningAs(confined.uid())).as("processes of the instance's user").hasSizeLessThanOrEqualTo(16).isNotEmpty();

        sandbox.release(confined);
        Sandbox.Confinement released = confined;
        confined = null;
        await().atMost(Duration.ofSeconds(20)).until(() -> Sandbox.runningAs(released.uid()).isEmpty());
        assertThat(Files.exists(released.dir())).isFalse();
    }
}
