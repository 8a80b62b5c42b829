package io.tandem.bench.paper;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * The progress line of a long experiment: the run going on (app, strategy, scenario, repetition), its elapsed time
 * and requests so far, and the experiment's elapsed time. On a terminal it rewrites one line every second; in a log
 * (CI) it prints a line every ten seconds. Its own daemon thread reads the experiment's current run.
 */
final class Progress implements AutoCloseable {
    private volatile Experiment experiment;
    private final int runs;
    private final PrintStream out;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;

    Progress(int runs, PrintStream out, boolean terminal) {
        this.runs = runs;
        this.out = out;
        this.terminal = terminal;
        this.thread = Thread.ofPlatform().daemon().name("bench-progress").start(this::loop);
    }

    /** Reports on {@code e}'s runs from now on. */
    void watch(Experiment e) {
        experiment = e;
    }

    private void loop() {
        long every = terminal ? 1000 : 10_000;
        while (running) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
            String line = line();
            if (line == null) continue;
            synchronized (out) {
                if (terminal) out.print("\r\033[K" + line);
                else out.println(line);
                out.flush();
            }
        }
    }

    String line() {
        Experiment e = experiment;
        Experiment.Current c = e == null ? null : e.current();
        if (c == null) return null;
        double in = Math.max(0, (System.nanoTime() - c.startNanos()) / 1e9);
        return String.format(Locale.ROOT, "[run %d/%d] %s: %.1f of %.1f s, %d sent, %d answered, %d failed | %s in all",
                c.number(), runs, c.label(), Math.min(in, c.durationNanos() / 1e9), c.durationNanos() / 1e9, c.load().sent(),
                c.load().answered(), c.load().failed(), Report.human(Duration.ofNanos(System.nanoTime() - startNanos)));
    }

    /** Prints a line of its own above the progress line. Any thread. */
    void println(String line) {
        synchronized (out) {
            if (terminal) out.print("\r\033[K");
            out.println(line);
            out.flush();
        }
    }

    /** Clears the progress line before other output on a terminal. */
    void clear() {
        if (!terminal) return;
        synchronized (out) {
            out.print("\r\033[K");
            out.flush();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        clear();
    }
}
