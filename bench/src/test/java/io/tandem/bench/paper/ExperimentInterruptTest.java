package io.tandem.bench.paper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.model.Strategy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Ctrl-C in the middle of a node freeze: the node is resumed, every process stopped, the finished runs kept. */
class ExperimentInterruptTest {
    @Test
    @Timeout(240)
    void anInterruptedExperimentResumesTheNodeStopsEveryProcessAndKeepsTheFinishedRuns() throws Exception {
        Plan plan = new Plan("test", 30, Duration.ofSeconds(3), 1, List.of(Scenario.NONE, Scenario.FREEZE), List.of(App.FIBONACCI),
                List.of(Strategy.RETRY), Arrivals.FIXED, 1, 2, Duration.ofSeconds(20), 25, URI.create("redis://127.0.0.1:6379"), Duration.ofSeconds(60));
        List<String> log = new CopyOnWriteArrayList<>();
        Experiment experiment = new Experiment(plan, Path.of("../examples"), null, "t", log::add);
        CompletableFuture<List<RunResult>> done = CompletableFuture.supplyAsync(() -> {
            try {
                return experiment.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        // The freeze (20 s, longer than the run) has begun: the run is past its fault at 10 % of 3 s.
        await().atMost(Duration.ofSeconds(180)).until(() -> {
            Experiment.Current c = experiment.current();
            return c != null && c.label().contains("freeze") && System.nanoTime() - c.startNanos() > TimeUnit.MILLISECONDS.toNanos(1500);
        });
        List<ProcessHandle> stopped = ProcessHandle.current().descendants().filter(ExperimentInterruptTest::isStopped).toList();
        assertThat(stopped).as("the frozen node's processes").isNotEmpty();

        experiment.interrupt();
        List<RunResult> results = done.get(90, TimeUnit.SECONDS);

        assertThat(results).hasSize(1);
        assertThat(results.getFirst().scenario()).isEqualTo(Scenario.NONE);
        assertThat(experiment.notCounted()).anySatisfy(n -> assertThat(n).contains("freeze").contains("interrupted"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList()).as("processes left behind").isEmpty());
    }

    /** Whether the process is stopped (SIGSTOP), from /proc. */
    private static boolean isStopped(ProcessHandle p) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }
}
