package io.tandem.executor;

import io.tandem.home.TandemHome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The agents an executor spawned as its own child processes ({@link LocalAgents}): started and awaited until they
 * registered, stopped with it. Thread-safe.
 */
final class ChildAgents {
    private final List<Process> processes = new CopyOnWriteArrayList<>();

    /**
     * Spawns {@code n} agents n1..nN registering at {@code executorUrl} and blocks until {@code alive} says all of
     * them registered, up to 30 s. Never call it on an event loop.
     */
    List<Process> start(TandemHome home, String executorUrl, int n, Predicate<String> alive) {
        List<Process> agents = LocalAgents.spawn(home, executorUrl, n, System.getProperty("java.class.path"));
        processes.addAll(agents);
        await(home, agents.size(), Duration.ofSeconds(30), agents, alive);
        return agents;
    }

    private static void await(TandemHome home, int n, Duration timeout, List<Process> agents, Predicate<String> alive) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> names = new HashSet<>();
        for (int k = 1; k <= n; k++) names.add("n" + k);
        while (!names.stream().allMatch(alive)) {
            if (System.nanoTime() > deadline) {
                agents.forEach(Process::destroyForcibly);
                throw new IllegalStateException("agents did not register within " + timeout + "; see " + home.nodeDir("n1").resolve("agent.log"));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for agents", e);
            }
        }
    }

    /** SIGTERM to each agent (they stop their instances), SIGKILL after 5 s; completes when all have exited. */
    CompletableFuture<Void> stop() {
        List<CompletableFuture<Process>> exits = new ArrayList<>();
        for (Process p : processes) {
            p.destroy();
            exits.add(p.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> p.destroyForcibly()));
        }
        processes.clear();
        return CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new));
    }
}
