package io.tandem.bench.paper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Samples the CPU and memory of every process of one cluster (the server, the controller, the agents, the instances)
 * while a run goes on: the paper's figure 11, which measured the nodes of its cluster. Each process is put in a
 * class: {@code platform} (server, controller, agents) or the role of the instance it is (active, standby, replica,
 * pool), read from the server's status.
 *
 * <p>CPU is counted per process between consecutive samples, so a process that dies (a killed node) stops counting
 * without making the sum go back; memory is the resident set ({@code VmRSS}, Linux; absent elsewhere).
 *
 * <p>Threads: one sampling thread of its own, started by {@link #start} and joined by {@link #stop}; {@link #ticks}
 * may be read from any thread.
 */
final class ResourceSampler {
    static final String PLATFORM = "platform";

    /**
     * One sample: when (ns from the run's start), the time since the previous one, the CPU used in that time (in
     * cores: 1.0 is one core busy), and resident MiB, per class.
     */
    record Tick(long atNanos, long spanNanos, Map<String, Double> cores, Map<String, Double> rssMib) {
        double cores(boolean platform) {
            return sum(cores, platform);
        }

        double rssMib(boolean platform) {
            return sum(rssMib, platform);
        }

        private static double sum(Map<String, Double> byClass, boolean platform) {
            return byClass.entrySet().stream().filter(e -> e.getKey().equals(PLATFORM) == platform).mapToDouble(Map.Entry::getValue).sum();
        }
    }

    private final Supplier<List<ProcessHandle>> processes;
    private final Supplier<Map<Long, String>> roles;
    private final Duration period;
    private final long startNanos;
    private final List<Tick> ticks = new CopyOnWriteArrayList<>();
    private Thread thread;
    private volatile boolean running;

    /**
     * @param processes the processes of the cluster now (read each sample)
     * @param roles     the class of each process by pid: platform or an instance's role (read every few samples: it
     *                  calls the server)
     */
    ResourceSampler(Supplier<List<ProcessHandle>> processes, Supplier<Map<Long, String>> roles, Duration period, long startNanos) {
        this.processes = processes;
        this.roles = roles;
        this.period = period;
        this.startNanos = startNanos;
    }

    void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name("bench-resources").start(this::loop);
    }

    /** Stops sampling and returns the samples; waits for the sampling thread even when the caller is interrupted. */
    List<Tick> stop() {
        running = false;
        thread.interrupt();
        Experiment.joinUninterruptibly(thread, Duration.ofSeconds(10));
        return List.copyOf(ticks);
    }

    List<Tick> ticks() {
        return List.copyOf(ticks);
    }

    private void loop() {
        Map<Long, Long> lastCpu = new HashMap<>();
        Map<Long, String> classOf = new HashMap<>();
        Map<Long, String> knownRoles = Map.of();
        long last = System.nanoTime();
        int n = 0;
        while (running) {
            if (n++ % 4 == 0) {
                try {
                    knownRoles = roles.get();
                } catch (RuntimeException e) {
                    // the server is busy or failing over: keep the roles seen last
                }
            }
            long now = System.nanoTime();
            Tick tick = sample(now, last, knownRoles, lastCpu, classOf);
            if (n > 1) ticks.add(tick);
            last = now;
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * The cores each class of process used since {@code last} and its resident memory now; moves {@code lastCpu} (CPU
     * time by pid) to now and forgets the classes of processes gone from {@code classOf}.
     */
    private Tick sample(long now, long last, Map<Long, String> knownRoles, Map<Long, Long> lastCpu, Map<Long, String> classOf) {
        Map<String, Double> cores = new TreeMap<>();
        Map<String, Double> rss = new TreeMap<>();
        Map<Long, Long> cpuNow = new HashMap<>();
        for (ProcessHandle p : processes.get()) {
            long pid = p.pid();
            String cls = knownRoles.get(pid);
            if (cls == null) cls = classOf.computeIfAbsent(pid, k -> platformProcess(p) ? PLATFORM : "other");
            long cpu = p.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
            if (cpu >= 0) {
                cpuNow.put(pid, cpu);
                Long before = lastCpu.get(pid);
                if (before != null && now > last) cores.merge(cls, (cpu - before) / (double) (now - last), Double::sum);
            }
            double mib = residentMib(pid);
            if (!Double.isNaN(mib)) rss.merge(cls, mib, Double::sum);
        }
        lastCpu.clear();
        lastCpu.putAll(cpuNow);
        classOf.keySet().retainAll(cpuNow.keySet());
        return new Tick(now - startNanos, now - last, cores, rss);
    }

    /**
     * The server, the controller and the agents, for a process the status does not name yet (an agent just started
     * again). Only a fallback: the JDK may cut a long command line before the main class.
     */
    private static boolean platformProcess(ProcessHandle p) {
        String cmd = p.info().commandLine().orElse("");
        return cmd.contains("io.tandem.cli.Main") || cmd.contains("io.tandem.agent.AgentMain") || cmd.contains("io.tandem.controller.ControllerMain")
                || cmd.contains("tandem.jar server");
    }

    /** Resident memory of {@code pid} in MiB, from {@code /proc} (NaN where there is none). */
    static double residentMib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not Linux
        }
        return Double.NaN;
    }

    static List<String> classes(List<Tick> ticks) {
        List<String> all = new ArrayList<>();
        for (Tick t : ticks) {
            t.cores().keySet().forEach(c -> { if (!all.contains(c)) all.add(c); });
            t.rssMib().keySet().forEach(c -> { if (!all.contains(c)) all.add(c); });
        }
        return all;
    }
}
