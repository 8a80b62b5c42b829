package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecHostTest {
    private static final byte[] HELLO = "#include <stdio.h>\nint main(void) { puts(\"built here\"); return 0; }\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private static void assumeCompiler() throws InterruptedException {
        boolean found;
        try {
            found = new ProcessBuilder("cc", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            found = false;
        }
        assumeThat(found).as("a C compiler (cc) on the PATH").isTrue();
    }

    @Test
    void buildsOnceAndTheBinaryRuns() throws Exception {
        assumeCompiler();

        ExecHost.Built first = ExecHost.install(dir, HELLO, "cc");
        ExecHost.Built again = ExecHost.install(dir, HELLO, "cc");

        assertThat(first.reason()).isNull();
        assertThat(first.buildMillis()).isPositive();
        assertThat(again.binary()).isEqualTo(first.binary());
        assertThat(again.buildMillis()).isZero();
        Process p = new ProcessBuilder(first.binary().toString()).start();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("built here\n");
        assertThat(Files.getPosixFilePermissions(first.binary())).map(Object::toString).doesNotContain("OWNER_WRITE");
        try (var left = Files.list(dir)) {
            assertThat(left.map(p2 -> p2.getFileName().toString())).noneMatch(name -> name.startsWith("staging"));
        }
    }

    @Test
    void concurrentBuildersShareOneBinary() throws Exception {
        assumeCompiler();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<ExecHost.Built>> builds = new ArrayList<>();
            for (int i = 0; i < 4; i++) builds.add(pool.submit((Callable<ExecHost.Built>) () -> ExecHost.install(dir, HELLO, "cc")));
            var binaries = new HashSet<Path>();
            int built = 0;
            for (Future<ExecHost.Built> b : builds) {
                binaries.add(b.get().binary());
                if (b.get().buildMillis() > 0) built++;
            }
            assertThat(binaries).hasSize(1).doesNotContainNull();
            assertThat(built).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSourceThatDoesNotCompileGivesTheCompilersWordsAndNoBinary() throws Exception {
        assumeCompiler();

        ExecHost.Built built = ExecHost.install(dir, "int main(void) { return nope; }\n".getBytes(StandardCharsets.UTF_8), "cc");

        assertThat(built.binary()).isNull();
        assertThat(built.reason()).contains("cc failed with exit code").contains("nope");
    }

    @Test
    void aMissingCompilerSaysHowToGetOne() {
        ExecHost.Built built = ExecHost.install(dir, HELLO, "/nonexistent/cc");

        assertThat(built.binary()).isNull();
        assertThat(built.reason()).contains("no C compiler").contains("install gcc").contains(ExecHost.COMPILER_ENV);
    }

    @Test
    void theModeIsNativeOrJvm() {
        assertThat(ExecHost.wantsNative(null)).isTrue();
        assertThat(ExecHost.wantsNative(" Native ")).isTrue();
        assertThat(ExecHost.wantsNative("jvm")).isFalse();
        assertThatThrownBy(() -> ExecHost.wantsNative("go")).hasMessageContaining("'native' or 'jvm'").hasMessageContaining("go");
    }

    @Test
    void theMachineWideCacheIsRefusedWhenOthersCouldWriteIt() throws IOException {
        String user = System.getProperty("user.name");
        Path base = dir.resolve("cache").resolve("tandem");

        assertThat(ExecHost.cacheDir(base, user, false)).isEqualTo(base.resolve("exec-host"));
        Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThat(ExecHost.cacheDir(base, user, false)).isNull();
        assertThat(ExecHost.cacheDir(dir.resolve("other"), "someone-else", false)).isNull();
        assertThat(ExecHost.cacheDir(Path.of("/proc/none"), user, false)).isNull();
    }

    @Test
    void rootsCacheIsReadableByInstanceUsersAndOnlyRootsToWrite() throws IOException {
        assumeThat(System.getProperty("user.name")).isEqualTo("root");

        Path cache = ExecHost.cacheDir("root", null, "/root");

        assertThat(cache).isEqualTo(Path.of("/var/cache/tandem/exec-host"));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rwxr-xr-x");
    }
}
