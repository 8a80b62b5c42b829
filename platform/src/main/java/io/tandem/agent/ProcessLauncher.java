package io.tandem.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts instance processes so they cannot outlive the agent. Linux's parent-death signal ({@code setpriv
 * --pdeathsig SIGKILL}) fires when the <em>thread</em> that forked the child exits, so every process is forked
 * from one long-lived platform thread that lives as long as the agent. Where {@code setpriv} is missing the agent
 * still kills leftovers recorded in {@code instances.pids} at its next start.
 *
 * <p>Thread-safe.
 */
final class ProcessLauncher implements AutoCloseable {
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    private final ExecutorService forker = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("tandem-instance-forker").daemon(true).unstarted(r));
    private final boolean pdeathsig = Files.isExecutable(SETPRIV);

    CompletableFuture<Process> start(ProcessBuilder builder) {
        if (pdeathsig) {
            List<String> argv = new ArrayList<>(List.of(SETPRIV.toString(), "--pdeathsig", "SIGKILL", "--"));
            argv.addAll(builder.command());
            builder.command(argv);
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return builder.start();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot start " + builder.command() + ": " + e.getMessage(), e);
            }
        }, forker);
    }

    boolean usesPdeathsig() {
        return pdeathsig;
    }

    @Override
    public void close() {
        forker.shutdown();
    }
}
