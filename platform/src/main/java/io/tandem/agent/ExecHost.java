package io.tandem.agent;

import io.tandem.packages.Archives;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code exec} runtime's native host: the same instance protocol as the runtime's JVM ({@code io.tandem.runtime.Main
 * exec}) in one C file that ships in the runtime jar, compiled on the node by its C compiler. An exec instance then
 * costs a few MiB instead of a JVM's 60, and starts each call's process with {@code posix_spawn} rather than through
 * the JDK's {@code jspawnhelper}.
 *
 * <p>The binary is built once per version of the source and compiler: into {@code <dir>/<digest>/tandem-exec-host},
 * readable and executable by every instance's user, writable only by the agent's. {@code dir} is machine-wide where it
 * can be ({@link #cacheDir}), so a new home does not build it again (about a second); else the home's shared
 * directory. Agents build it one at a time (a file lock), so the first to come builds and the others find it.
 * Without a compiler, or when the build fails, exec instances run on the JVM as before, and {@link #install} says
 * why.
 *
 * <p>Thread-safe: builds are serialized per JVM and, through a file lock, per home.
 */
final class ExecHost {
    /** Where the runtime jar keeps the source. */
    static final String SOURCE = "io/tandem/runtime/exec/exec-host.c";
    static final String BINARY = "tandem-exec-host";
    /** {@code native} (the default: the native host when it can be built) or {@code jvm}. */
    static final String MODE_ENV = "TANDEM_EXEC_HOST";
    /** The compiler to use instead of the first {@code cc} on the {@code PATH}. */
    static final String COMPILER_ENV = "CC";
    private static final long BUILD_TIMEOUT_SECONDS = 120;
    /** -O1: the host spends its time in system calls; -O2 took twice as long to build for nothing measurable. */
    private static final List<String> FLAGS = List.of("-std=gnu11", "-O1", "-pthread");

    /** The binary, or why there is none. */
    record Built(Path binary, String reason, long buildMillis) {
        static Built none(String reason) {
            return new Built(null, reason, 0);
        }
    }

    private ExecHost() {
    }

    /** Builds the host from the runtime jar's source under {@code dir}, unless it is there already. */
    static Built install(Path dir, String compiler) {
        byte[] source;
        try (InputStream in = ExecHost.class.getClassLoader().getResourceAsStream(SOURCE)) {
            if (in == null) return Built.none(SOURCE + " is missing: the runtime jar is not on the agent's class path");
            source = in.readAllBytes();
        } catch (IOException e) {
            return Built.none("cannot read " + SOURCE + ": " + e.getMessage());
        }
        return install(dir, source, compiler);
    }

    static Built install(Path dir, byte[] source, String compiler) {
        Path target = dir.resolve(digest(source, compiler));
        Path binary = target.resolve(BINARY);
        if (Files.isExecutable(binary)) return new Built(binary, null, 0);
        // The file lock orders agents in other processes; a JVM holding several agents (tests) orders its own here,
        // since a second lock of the same file in one JVM throws rather than waits.
        synchronized (ExecHost.class) {
            return installLocked(dir, target, binary, source, compiler);
        }
    }

    private static Built installLocked(Path dir, Path target, Path binary, byte[] source, String compiler) {
        try {
            Files.createDirectories(dir);
            try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                if (Files.isExecutable(binary)) return new Built(binary, null, 0); // another agent built it meanwhile
                return build(dir, target, source, compiler);
            }
        } catch (IOException e) {
            return Built.none("cannot build it under " + dir + ": " + e.getMessage());
        }
    }

    private static Built build(Path dir, Path target, byte[] source, String compiler) throws IOException {
        long start = System.nanoTime();
        Path staging = Files.createTempDirectory(dir, "staging");
        try {
            Path c = staging.resolve("exec-host.c");
            Files.write(c, source);
            Path out = staging.resolve(BINARY);
            List<String> argv = new ArrayList<>(List.of(compiler));
            argv.addAll(FLAGS);
            argv.addAll(List.of("-o", out.toString(), c.toString()));
            // Its words go to a file, not a pipe, so that the wait below is bounded even by a compiler that hangs.
            Path log = staging.resolve("cc.log");
            Process cc;
            try {
                cc = new ProcessBuilder(argv).directory(staging.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            } catch (IOException e) {
                return Built.none("no C compiler: " + compiler + " cannot be started (" + e.getMessage() + "); install gcc, or set " + COMPILER_ENV);
            }
            if (!cc.waitFor(BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                cc.destroyForcibly();
                return Built.none(compiler + " did not finish within " + BUILD_TIMEOUT_SECONDS + " s");
            }
            if (cc.exitValue() != 0 || !Files.isRegularFile(out)) {
                return Built.none(compiler + " failed with exit code " + cc.exitValue() + ": " + firstLines(new String(Files.readAllBytes(log), StandardCharsets.UTF_8), 5));
            }
            Files.delete(c);
            Files.delete(log);
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("r-xr-xr-x"));
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                // built meanwhile by a process that did not take the lock: the same source, so the same binary
            }
            return new Built(target.resolve(BINARY), null, (System.nanoTime() - start) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Built.none("interrupted while building it");
        } finally {
            if (Files.exists(staging)) Archives.deleteTree(staging);
        }
    }

    private static String firstLines(String text, int lines) {
        String[] all = text.strip().split("\n");
        return String.join(" | ", java.util.Arrays.copyOf(all, Math.min(lines, all.length)));
    }

    /** The build's identity: the source, the compiler named and its flags. */
    private static String digest(byte[] source, String compiler) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((compiler + " " + String.join(" ", FLAGS)).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(source);
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Where the agent's user keeps built hosts for every home: for root, {@code /var/cache/tandem/exec-host}, which
     * instances of users of their own can read; for anyone else, {@code $XDG_CACHE_HOME/tandem/exec-host} or
     * {@code ~/.cache/tandem/exec-host} (their instances run as themselves). Null when that directory cannot be made,
     * or when it or its parent is not the agent user's alone to write (another user could swap the binary).
     */
    static Path cacheDir(String user, String xdgCacheHome, String userHome) {
        boolean root = "root".equals(user);
        Path base = root ? Path.of("/var/cache/tandem")
                : (xdgCacheHome != null && !xdgCacheHome.isBlank() ? Path.of(xdgCacheHome) : Path.of(userHome, ".cache")).resolve("tandem");
        return cacheDir(base, user, root);
    }

    /** {@code base/exec-host}, made if need be, or null when it or {@code base} is not {@code user}'s alone to write. */
    static Path cacheDir(Path base, String user, boolean readableByAll) {
        Path dir = base.resolve("exec-host");
        try {
            Files.createDirectories(dir);
            for (Path p : List.of(base, dir)) {
                if (!Files.getOwner(p).getName().equals(user)) return null;
                var mode = Files.getPosixFilePermissions(p);
                if (mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE) || mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) return null;
                if (readableByAll) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            return dir;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Reads the mode from {@link #MODE_ENV}: true for the native host, false for the JVM; refuses anything else. */
    static boolean wantsNative(String mode) {
        if (mode == null || mode.isBlank() || mode.trim().equalsIgnoreCase("native")) return true;
        if (mode.trim().equalsIgnoreCase("jvm")) return false;
        throw new IllegalArgumentException(MODE_ENV + " must be 'native' or 'jvm', was '" + mode + "'");
    }
}
