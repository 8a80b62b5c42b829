package io.tandem.server;

import io.tandem.controller.Controller;
import io.tandem.home.TandemHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller as a supervised child process: {@code java -cp <classpath> io.tandem.controller.ControllerMain} on a
 * fixed port with {@code TANDEM_HOME} set, its output appended to {@code TANDEM_HOME/controller.log}. It exits with
 * this process ({@code --exit-with-parent}). When it exits on its own (a crash, a SIGKILL) it is started again on
 * the same port after a back-off of 100 ms doubling to 5 s, reset once a run lasted 30 s; each restart is logged.
 *
 * <p>Thread-safe. {@link #start} once, {@link #stop} any number of times.
 */
final class ControllerProcess {
    private static final Logger log = LoggerFactory.getLogger(ControllerProcess.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration STABLE_RUN = Duration.ofSeconds(30);

    private final TandemHome home;
    private final String host;
    private final int port;
    private final String executorUrl;
    private final Controller.Listening listening;
    private final long packageQuotaBytes;
    private final String classpath;
    private final Listener listener;
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("controller-supervisor").factory());
    private Process process; // guarded by this
    private long startedAt; // guarded by this, nanoTime
    private Duration backoff = FIRST_BACKOFF; // guarded by this
    private int restartCount; // guarded by this
    private boolean stopping; // guarded by this

    /** What the supervisor tells its owner, on the supervisor's threads while it holds its own lock: do not call back. */
    interface Listener {
        /** A controller process started: the first ({@code restart} 0) and each restart. */
        void started(long pid, int restart);

        /** The controller {@code pid} exited on its own after {@code ran}; it is started again in {@code restartIn}. */
        void exited(long pid, int exitCode, Duration ran, Duration restartIn);
    }

    /** {@code listening}: TLS, its loopback port (fixed, so that restarts keep it) and the cap per client. */
    ControllerProcess(TandemHome home, String host, int port, String executorUrl, Controller.Listening listening, long packageQuotaBytes, String classpath, Listener listener) {
        this.home = home;
        this.host = host;
        this.port = port;
        this.executorUrl = executorUrl;
        this.listening = listening;
        this.packageQuotaBytes = packageQuotaBytes;
        this.classpath = classpath;
        this.listener = listener;
    }

    Path logFile() {
        return home.root().resolve("controller.log");
    }

    synchronized void start() {
        spawn();
    }

    /** The pid of the controller process running now, or 0 between a crash and its restart. */
    synchronized long pid() {
        return process != null && process.isAlive() ? process.pid() : 0;
    }

    synchronized int restarts() {
        return restartCount;
    }

    /**
     * Waits until the first controller says it listens on its port (another process on that port does not count); fails with the reason from its log when it
     * exits before that (a port in use, a store locked by another process).
     */
    void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Process first;
        synchronized (this) {
            first = process;
        }
        while (true) {
            if (!first.isAlive()) throw new IllegalStateException(lastLines());
            if (announced(first.pid())) return;
            if (System.nanoTime() > deadline) throw new IllegalStateException("it did not listen within " + timeout.toSeconds() + "s; see " + logFile());
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the controller");
            }
        }
    }

    /** SIGTERM (the controller closes its store), SIGKILL after 10 s; no restart after this. */
    void stop() {
        Process p;
        synchronized (this) {
            stopping = true;
            p = process;
        }
        restarts.shutdownNow();
        if (p == null) return;
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void spawn() {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms16m", "-Xss512k", "--enable-native-access=ALL-UNNAMED",
                "-cp", classpath, "io.tandem.controller.ControllerMain", "--host", host, "--port", Integer.toString(port),
                "--executor", executorUrl, "--exit-with-parent", "--package-quota", Long.toString(packageQuotaBytes), "--max-client-connections", Integer.toString(listening.connectionsPerClient())));
        if (listening.tls() != null) {
            command.addAll(List.of("--tls-cert", listening.tls().cert().toString(), "--tls-key", listening.tls().key().toString(),
                    "--local-port", Integer.toString(listening.localPort())));
        }
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
        pb.environment().put("TANDEM_HOME", home.root().toString());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the controller process: " + e.getMessage(), e);
        }
        process = p;
        startedAt = System.nanoTime();
        listener.started(p.pid(), restartCount);
        p.onExit().thenAccept(this::exited);
    }

    private synchronized void exited(Process p) {
        if (stopping || p != process) return;
        Duration ran = Duration.ofNanos(System.nanoTime() - startedAt);
        if (ran.compareTo(STABLE_RUN) >= 0) backoff = FIRST_BACKOFF;
        Duration wait = backoff;
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        restartCount++;
        log.warn("the controller (pid {}) exited with {} after {} ms; restarting it in {} ms (restart {}); see {}",
                p.pid(), p.exitValue(), ran.toMillis(), wait.toMillis(), restartCount, logFile());
        listener.exited(p.pid(), p.exitValue(), ran, wait);
        restarts.schedule(this::restart, wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void restart() {
        if (stopping) return;
        try {
            spawn();
            log.info("controller restarted as pid {}", process.pid());
        } catch (RuntimeException e) {
            log.error("cannot restart the controller: {}; trying again in {} ms", e.getMessage(), backoff.toMillis());
            restarts.schedule(this::restart, backoff.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Whether the controller {@code pid} wrote that it listens (ControllerMain's last line when started). */
    private boolean announced(long pid) {
        try {
            return Files.readString(logFile()).contains("controller listening on " + host + ":" + port + " (pid " + pid + ")");
        } catch (IOException e) {
            return false;
        }
    }

    private String lastLines() {
        try {
            List<String> lines = Files.readAllLines(logFile());
            String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
            return "it exited at once (see " + logFile() + "):\n" + tail;
        } catch (IOException e) {
            return "it exited at once; see " + logFile();
        }
    }
}
