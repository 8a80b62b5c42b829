package io.tandem.agent;

import io.tandem.http.FreePort;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A class-data sharing archive of the {@code java} runtime's classes, which instance JVMs map at start instead of
 * loading and verifying those classes again: on a 2-core machine a warm-pool JVM then reaches healthy on about a
 * third less CPU, which matters most right after a failover, when the replacement standby and the pool's refill
 * boot beside the instance that now serves.
 *
 * <p>One archive per JDK and runtime classpath (jar names, sizes and times), in a cache directory shared by every
 * server of the user (the archive says nothing about any one server). It is made once by a training JVM that starts
 * the runtime, waits until it answers its health check and stops it, dumping what it loaded
 * ({@code -XX:ArchiveClassesAtExit}) into a file of its own that is then renamed into place. So an instance never
 * maps a half-written archive, concurrent trainers (two agents) cannot corrupt one, and a JVM that finds the archive
 * unusable (another JDK build) runs without it. Until the archive exists, instances start without it.
 *
 * <p>Thread-safe: {@link #options} may be called from any thread while {@link #ensure} trains on its own.
 */
final class ClassDataArchive {
    private static final Logger log = LoggerFactory.getLogger(ClassDataArchive.class);
    private static final Duration TRAINING_LIMIT = Duration.ofSeconds(60);
    /** The trainings this process runs, one per archive (agents of one process share them). */
    private static final Map<Path, CompletableFuture<Void>> TRAINING = new ConcurrentHashMap<>();
    /**
     * Training JVMs running now. An agent that exits (its server stopped, or died) stops them on its way out, so none
     * outlives it; a SIGKILLed agent's die of their parent-death signal ({@link #trainingCommand}).
     */
    private static final Set<Process> TRAINERS = new HashSet<>(); // guarded by itself, as is exiting
    private static boolean exiting;

    static {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("cds-trainers-stop").unstarted(() -> {
            synchronized (TRAINERS) {
                exiting = true;
                TRAINERS.forEach(Process::destroyForcibly);
            }
        }));
    }

    private final String java;
    private final String classpath;
    private final Path file;

    ClassDataArchive(Path cacheDir, String java, String classpath) {
        this.java = java;
        this.classpath = classpath;
        this.file = cacheDir.resolve("runtime-" + fingerprint(java, classpath) + ".jsa");
    }

    /** The default cache: {@code $XDG_CACHE_HOME/tandem/cds}, else {@code ~/.cache/tandem/cds}. */
    static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("tandem").resolve("cds");
    }

    Path file() {
        return file;
    }

    /** The JVM options that map the archive, or none while it does not exist. */
    List<String> options() {
        return Files.isRegularFile(file) ? List.of("-XX:SharedArchiveFile=" + file) : List.of();
    }

    /**
     * Trains the archive on a thread of its own unless it exists or this process trains it already; completes (never
     * exceptionally) once that is settled.
     */
    CompletableFuture<Void> ensure() {
        if (Files.isRegularFile(file)) return CompletableFuture.completedFuture(null);
        return TRAINING.computeIfAbsent(file, f -> CompletableFuture.runAsync(() -> {
            try {
                train();
            } catch (IOException | RuntimeException e) {
                log.warn("no class-data archive for instance JVMs ({}): they start without one", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, ClassDataArchive::startTrainerThread));
    }

    /**
     * Trains on a platform thread that lives until the training JVM is gone: the JVM's parent-death signal fires when
     * the thread that forked it ends, and a virtual thread's carrier may end any time.
     */
    private static void startTrainerThread(Runnable training) {
        Thread.ofPlatform().name("cds-trainer").daemon(true).start(training);
    }

    /**
     * The training JVM's command line. Under {@code setpriv --pdeathsig} it is SIGKILLed when its agent dies, even by
     * SIGKILL, when no shutdown hook runs ({@code setpriv} execs the JVM, which keeps its pid).
     */
    List<String> trainingCommand(Path part) {
        List<String> argv = new ArrayList<>();
        if (Files.isExecutable(Sandbox.SETPRIV)) argv.addAll(List.of(Sandbox.SETPRIV.toString(), "--pdeathsig", "SIGKILL", "--"));
        argv.addAll(List.of(java, "-XX:ArchiveClassesAtExit=" + part, "-cp", classpath, "io.tandem.runtime.Main", "java"));
        return argv;
    }

    private void train() throws IOException, InterruptedException {
        Files.createDirectories(file.getParent());
        // A name of its own: agents in other processes may train at the same time.
        Path part = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".part");
        Files.delete(part); // the JVM creates it
        int port = FreePort.loopback();
        ProcessBuilder pb = new ProcessBuilder(trainingCommand(part))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PORT", Integer.toString(port));
        Process p;
        synchronized (TRAINERS) { // started and listed at once, so an exit in between cannot leave it running
            if (exiting) return;
            p = pb.start();
            TRAINERS.add(p);
            ProcessLauncher.writeFirstLine(p, InstanceSecret.generate()); // the runtime reads its secret first; nobody specializes this one
        }
        try {
            if (!awaitHealthy(p, port)) throw new IOException("the training JVM did not answer its health check");
            p.destroy(); // SIGTERM: a normal exit, which writes the archive
            if (!p.waitFor(TRAINING_LIMIT.toSeconds(), TimeUnit.SECONDS)) throw new IOException("the training JVM did not exit");
            if (!Files.isRegularFile(part) || Files.size(part) == 0) throw new IOException("the training JVM wrote no archive");
            // Readable by all: instances may run as users of their own, and it holds only the JDK's and the runtime's classes.
            Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            log.info("class-data archive for instance JVMs written to {} ({} KiB)", file, Files.size(file) / 1024);
            removeOthers();
        } finally {
            p.destroyForcibly();
            synchronized (TRAINERS) {
                TRAINERS.remove(p);
            }
            Files.deleteIfExists(part);
        }
    }

    private static boolean awaitHealthy(Process p, int port) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/_/health")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TRAINING_LIMIT.toNanos();
        while (System.nanoTime() < deadline && p.isAlive()) {
            try {
                if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return true;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(20); // polling a port the child opens; nothing to wait on instead
        }
        return false;
    }

    /** Archives of other JDKs or runtime builds are of no further use. */
    private void removeOthers() throws IOException {
        try (Stream<Path> files = Files.list(file.getParent())) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!f.equals(file) && name.startsWith("runtime-") && name.endsWith(".jsa")) Files.deleteIfExists(f);
            }
        }
    }

    /** The JDK and every runtime jar's name, size and modification time. */
    static String fingerprint(String java, String classpath) {
        StringBuilder what = new StringBuilder(java).append('\n').append(System.getProperty("java.vm.version")).append('\n');
        for (String entry : classpath.split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            what.append(entry);
            try {
                what.append(' ').append(Files.size(jar)).append(' ').append(Files.getLastModifiedTime(jar).toMillis());
            } catch (IOException e) {
                what.append(" missing");
            }
            what.append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(what.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
