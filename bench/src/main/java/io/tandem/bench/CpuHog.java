package io.tandem.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A CPU hog beside a benchmark's load: a child JVM with one thread spinning per processor, at the priority it was
 * started with (normal, unless the benchmark itself was niced), so the platform's processes really compete for
 * the cores, as on a machine shared with other work.
 *
 * <p>It cannot outlive the benchmark: {@link #close} stops it, a shutdown hook stops any still running on Ctrl-C or
 * SIGTERM, and the child exits by itself when its standard input closes, which happens when the benchmark's JVM
 * dies in any way, even by SIGKILL.
 *
 * <p>Its {@link #main} is the child: {@code java -cp <bench classpath> io.tandem.bench.CpuHog <threads>}.
 */
public final class CpuHog implements AutoCloseable {
    private static final Set<Process> running = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("bench-cpu-hog-stop").unstarted(() -> running.forEach(Process::destroyForcibly)));
    }

    private final Process process;
    private final int threads;

    private CpuHog(Process process, int threads) {
        this.process = process;
        this.threads = threads;
    }

    /** Starts a hog spinning {@code threads} threads; it runs until {@link #close}. */
    static CpuHog start(int threads) throws IOException {
        if (threads < 1) throw new IllegalArgumentException("a CPU hog needs at least one thread, not " + threads);
        // A small JVM: C1 only, serial GC, a tiny heap; it allocates nothing once spinning.
        List<String> cmd = List.of(ServerProcess.javaExecutable(), "-Xmx16m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), CpuHog.class.getName(), Integer.toString(threads));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        running.add(p);
        return new CpuHog(p, threads);
    }

    int threads() {
        return threads;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** CPU time the hog has used so far. */
    Duration cpuTime() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** The hog's nice value, where {@code /proc} tells it (Linux); 0 is the normal priority. */
    OptionalInt nice() {
        return niceOf(process.pid());
    }

    /** The nice value of process {@code pid}, where {@code /proc} tells it. */
    static OptionalInt niceOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // pid (comm) state ppid ...: fields after the command, which may hold spaces; nice is the 19th field.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return OptionalInt.of(Integer.parseInt(fields[19 - 3]));
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    /** Stops the hog and waits until it is gone; keeps the caller's interrupt. */
    @Override
    public void close() {
        boolean interrupted = Thread.interrupted();
        try {
            process.destroyForcibly();
            if (!process.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("the CPU hog (pid " + process.pid() + ") did not stop");
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            running.remove(process);
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private static volatile long sink;

    /** The child: spins {@code args[0]} threads until its standard input closes (its parent is gone). */
    public static void main(String[] args) throws IOException {
        int threads = Integer.parseInt(args[0]);
        for (int t = 0; t < threads; t++) {
            Thread.ofPlatform().daemon().name("spin-" + t).start(() -> {
                long x = 1;
                while (true) {
                    x = x * 6364136223846793005L + 1442695040888963407L;
                    if (x == 0) sink = x; // never true in practice; keeps the loop's work observable
                }
            });
        }
        InputStream in = System.in;
        while (in.read() >= 0) {
            // the parent writes nothing; read returns -1 once it is gone
        }
        System.exit(0);
    }
}
