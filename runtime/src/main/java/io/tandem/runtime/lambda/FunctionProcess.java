package io.tandem.runtime.lambda;

import io.tandem.runtime.LoadException;
import io.tandem.runtime.ProcessTree;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The function's own process, a Lambda runtime interface client or a custom runtime's {@code bootstrap}, which
 * pulls its events from the {@link RuntimeApi}. Started at specialization, so a first call finds the handler
 * loaded; started again when it exits or is killed after a timeout, as Lambda starts a fresh sandbox. Its output
 * is the instance's, which is the function's log.
 *
 * <p>Thread-safe: starting and killing are synchronized; the process's exit is handled on the JDK's exit thread.
 */
final class FunctionProcess implements AutoCloseable {
    private final List<String> command;
    private final Path directory;
    private final Map<String, String> environment;
    private final RuntimeApi api;
    private final long initTimeoutMillis;
    private Process process;
    private boolean closed;

    FunctionProcess(List<String> command, Path directory, Map<String, String> environment, RuntimeApi api, long initTimeoutMillis) {
        this.command = List.copyOf(command);
        this.directory = directory;
        this.environment = Map.copyOf(environment);
        this.api = api;
        this.initTimeoutMillis = initTimeoutMillis;
    }

    /** Starts the process unless it runs, and returns once it asks for its first event; fails with why it did not. */
    synchronized void ensureRunning() throws LoadException {
        if (closed) throw new LoadException("the instance is closing");
        if (process != null && process.isAlive()) return;
        CompletableFuture<String> ready = api.awaitReady();
        Process started = start();
        process = started;
        started.onExit().thenAccept(this::exited);
        try {
            CompletableFuture.anyOf(ready, started.onExit()).get(initTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            kill();
            throw new LoadException("the function's process did not ask for an event within " + initTimeoutMillis + " ms of starting: " + command);
        } catch (ExecutionException e) {
            throw new LoadException("the function's process failed to start: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new LoadException("interrupted while the function's process started");
        }
        if (ready.isDone() && ready.join() != null) {
            kill();
            throw new LoadException("the function failed to initialize: " + ready.join());
        }
        if (!ready.isDone()) {
            process = null;
            throw new LoadException("the function's process exited with code " + started.exitValue() + " before asking for an event: " + command
                    + " (its output is in the function's log)");
        }
    }

    private Process start() throws LoadException {
        var builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (directory != null) builder.directory(directory.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("TANDEM_")); // the runtime's, not the function's
        builder.environment().putAll(environment);
        try {
            Process started = builder.start();
            started.getOutputStream().close(); // events come through the runtime API, not stdin
            return started;
        } catch (IOException e) {
            throw new LoadException("cannot start " + command + ": " + e.getMessage());
        }
    }

    /** Ends the process and everything it started; the calls it had taken fail, the next call starts a fresh one. */
    synchronized void kill() {
        if (process == null) return;
        ProcessTree.kill(process);
        process = null;
        api.failInFlight(new Invocation.RuntimeFailure(502, "function process stopped", "the function's process was stopped while it served this call"));
    }

    /**
     * The current process ended on its own: the calls it had taken fail; calls still queued get a fresh process,
     * which re-runs the handler's init. A process {@link #kill} stopped was handled there.
     */
    private void exited(Process ended) {
        synchronized (this) {
            if (ended != process) return;
            process = null;
        }
        api.failInFlight(new Invocation.RuntimeFailure(502, "function process exited",
                "the function's process ended with code " + ended.exitValue() + " while it served this call (its output is in the function's log)"));
        if (!api.hasQueued()) return;
        Thread.ofVirtual().name("tandem-lambda-restart").start(() -> {
            try {
                ensureRunning();
            } catch (LoadException e) {
                api.failAll(new Invocation.RuntimeFailure(502, "function failed to start", e.getMessage()));
            }
        });
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        kill();
    }
}
