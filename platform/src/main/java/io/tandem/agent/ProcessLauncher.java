package io.tandem.agent;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts instance processes so they cannot outlive the agent. Linux's parent-death signal (set by the launch line
 * {@link Sandbox#wrap} builds) fires when the <em>thread</em> that forked the child exits, so every process is
 * forked from one long-lived platform thread that lives as long as the agent. Where {@code setpriv} is missing the
 * agent still kills leftovers recorded in {@code instances.pids} at its next start.
 *
 * <p>Instances run at a lower CPU priority ({@code nice} {@value #INSTANCE_NICENESS}) than the agent and the
 * server: when functions and starting JVMs saturate the cores, the control plane (heartbeats, probes, failover)
 * still runs on time, so a busy node is not mistaken for a dead one and failover does not wait behind the load it
 * is meant to route around. {@code nice} exec's the rest of the line, so the instance keeps the pid the agent started.
 *
 * <p>Thread-safe.
 */
final class ProcessLauncher implements AutoCloseable {
    private static final Path NICE = Path.of("/usr/bin/nice");
    static final int INSTANCE_NICENESS = 10;

    private final ExecutorService forker = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("tandem-instance-forker").daemon(true).unstarted(r));
    private final boolean nice = Files.isExecutable(NICE);

    /**
     * Starts {@code builder}'s command; when {@code firstLine} is given (an instance's secret), writes it as the
     * first line of the process's standard input and closes that, before anyone else can talk to the process.
     */
    CompletableFuture<Process> start(ProcessBuilder builder, String firstLine) {
        List<String> argv = new ArrayList<>();
        if (nice) argv.addAll(List.of(NICE.toString(), "-n", Integer.toString(INSTANCE_NICENESS)));
        argv.addAll(builder.command());
        builder.command(argv);
        return CompletableFuture.supplyAsync(() -> {
            try {
                Process p = builder.start();
                if (firstLine != null) {
                    try {
                        writeFirstLine(p, firstLine);
                    } catch (IOException e) {
                        p.destroyForcibly();
                        throw e;
                    }
                }
                return p;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + builder.command() + ": " + e.getMessage(), e);
            }
        }, forker);
    }

    /** Writes {@code line} as the only line of {@code p}'s standard input and closes it; a pipe's buffer holds it, so it never blocks. */
    static void writeFirstLine(Process p, String line) throws IOException {
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        forker.shutdown();
    }
}
