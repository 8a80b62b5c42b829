package io.tandem.executor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What the operating system says of a process: the evidence that turns a late heartbeat or probe from a suspicion
 * into a verdict. A process that is gone or stopped cannot answer; one that runs is at most slow.
 *
 * <p>Tandem's agents and instances listen on loopback, so the executor shares their machine and can read their state
 * itself; a backend that places instances elsewhere would ask its node agent instead. Thread-safe.
 */
@FunctionalInterface
public interface ProcessStates {
    enum State {
        /** Running, runnable, or waiting (sleeping, in I/O): alive, and it will answer when it gets the CPU. */
        RUNNING,
        /** Stopped by a signal (SIGSTOP) or a tracer: it answers nothing until it is continued. */
        STOPPED,
        /** Exited (a zombie counts: it will never answer again). */
        GONE,
        /** The state cannot be read here (no /proc, or no pid known): decide without it. */
        UNKNOWN
    }

    State of(long pid);

    /**
     * The machine's CPU pressure: the share of the last 10 s in which some runnable task waited for a CPU, 0 to 1
     * (Linux's pressure stall information, {@code some avg10} of {@code /proc/pressure/cpu}); negative when it
     * cannot be read. Recovery work that can wait (pool refills, a replacement standby) waits while it is high.
     */
    default double cpuPressure() {
        return -1;
    }

    /** Reads {@code /proc/<pid>/stat} and {@code /proc/pressure/cpu} (Linux); unknown where there is no {@code /proc}. */
    static ProcessStates proc() {
        return new ProcessStates() {
            @Override
            public State of(long pid) {
                return readProc(pid);
            }

            @Override
            public double cpuPressure() {
                try {
                    return parsePressure(Files.readString(Path.of("/proc/pressure/cpu")));
                } catch (IOException | UnsupportedOperationException e) {
                    return -1;
                }
            }
        };
    }

    /** {@code some avg10=12.34 ...} as 0.1234; negative when the line is not there. */
    static double parsePressure(String text) {
        for (String line : text.split("\n")) {
            if (!line.startsWith("some ")) continue;
            for (String field : line.split(" ")) {
                if (field.startsWith("avg10=")) {
                    try {
                        return Double.parseDouble(field.substring(6)) / 100;
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                }
            }
        }
        return -1;
    }

    private static State readProc(long pid) {
        if (pid <= 0 || !Files.isDirectory(Path.of("/proc/self"))) return State.UNKNOWN;
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException e) {
            return State.GONE;
        } catch (IOException e) {
            return State.UNKNOWN;
        }
        return parseStat(stat);
    }

    /** The state letter follows the command name, which is in parentheses and may itself hold spaces or ')'. */
    static State parseStat(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) return State.UNKNOWN;
        return switch (stat.charAt(close + 2)) {
            case 'R', 'S', 'D', 'I', 'W', 'K', 'P' -> State.RUNNING;
            case 'T', 't' -> State.STOPPED;
            case 'Z', 'X', 'x' -> State.GONE;
            default -> State.UNKNOWN;
        };
    }
}
