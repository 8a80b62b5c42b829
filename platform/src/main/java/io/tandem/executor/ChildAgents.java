package io.tandem.executor;

import io.tandem.home.TandemHome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
     * How long agents that are still running may take to register. A JVM starting on a machine whose cores are all
     * busy can take tens of seconds to reach its first request; a slow start is waited for, a dead agent is not.
     */
    static final Duration REGISTRATION_LIMIT = Duration.ofSeconds(90);

    /**
     * Spawns {@code n} agents n1..nN registering at {@code executorUrl} and blocks until {@code alive} says all of
     * them registered: up to {@link #REGISTRATION_LIMIT} while they run, and no longer once one of them has exited.
     * Never call it on an event loop.
     */
    List<Process> start(TandemHome home, String executorUrl, int n, Predicate<String> alive) {
        List<Process> agents = LocalAgents.spawn(home, executorUrl, n, System.getProperty("java.class.path"));
        processes.addAll(agents);
        await(home, agents, alive);
        return agents;
    }

    private static void await(TandemHome home, List<Process> agents, Predicate<String> alive) {
        long deadline = System.nanoTime() + REGISTRATION_LIMIT.toNanos();
        for (int k = 1; k <= agents.size(); k++) {
            String node = "n" + k;
            Process agent = agents.get(k - 1);
            while (!alive.test(node)) {
                String failure = !agent.isAlive() ? "agent " + node + " exited with status " + agent.exitValue() + " before it registered"
                        : System.nanoTime() - deadline > 0 ? "agent " + node + " did not register within " + REGISTRATION_LIMIT.toSeconds() + " s"
                        : null;
                if (failure != null) {
                    agents.forEach(Process::destroyForcibly);
                    throw new IllegalStateException(failure + "; see " + home.nodeDir(node).resolve("agent.log"));
                }
                try {
                    Thread.sleep(20); // polling: registration is seen by the executor's event loop, which has no hook for this thread
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for agents", e);
                }
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
