package io.tandem.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Signals to local processes. SIGKILL goes through {@link ProcessHandle#destroyForcibly()}; Java has no SIGSTOP or
 * SIGCONT, so those run {@code kill}. A zombie (dead, not yet reaped by its parent) counts as gone.
 */
final class Signals {
    private static final Duration POLL = Duration.ofMillis(5);

    private Signals() {
    }

    /** SIGKILLs every pid that is still alive, in order, without waiting. */
    static void kill(List<Long> pids) {
        for (long pid : pids) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    static void stop(List<Long> pids) {
        send("-STOP", pids);
    }

    static void resume(List<Long> pids) {
        send("-CONT", pids);
    }

    /** Whether the process exists and has not exited. */
    static boolean alive(long pid) {
        if (pid <= 0) return false;
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        return p.isPresent() && p.get().isAlive() && state(pid) != 'Z';
    }

    /** The state letter of {@code /proc/<pid>/stat} (R, S, T, Z...), or '?' when the process is gone. */
    static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() ? '?' : stat.charAt(end + 2);
        } catch (IOException | RuntimeException gone) {
            return '?';
        }
    }

    /** The pids of every process below {@code pid}, children first. */
    static List<Long> descendants(long pid) {
        return ProcessHandle.of(pid).map(p -> p.descendants().map(ProcessHandle::pid).toList()).orElse(List.of());
    }

    /** Waits until none of {@code pids} is alive or {@code timeout} passed; returns those still alive. */
    static List<Long> awaitGone(List<Long> pids, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Long> left = new ArrayList<>(pids);
        while (true) {
            left.removeIf(pid -> !alive(pid));
            if (left.isEmpty() || System.nanoTime() - deadline >= 0) return left;
            Thread.sleep(POLL);
        }
    }

    private static void send(String signal, List<Long> pids) {
        if (pids.isEmpty()) return;
        List<String> command = new ArrayList<>(List.of("kill", signal, "--"));
        pids.forEach(pid -> command.add(Long.toString(pid)));
        Process kill;
        try {
            kill = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new ChaosException("cannot run 'kill " + signal + "': " + e.getMessage() + " (chaos needs the kill command on PATH)");
        }
        // kill exits 1 when one pid is gone but still signals the others, so its exit code is not checked. Waiting
        // ignores interrupts: a thaw must not return before its SIGCONT went out.
        boolean interrupted = false;
        while (true) {
            try {
                kill.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
