package io.tandem.agent;

import io.tandem.home.TandemHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code instances.pids}: one line {@code <pid> <start instant or ->} per live instance, so an agent that died
 * without its instances (no pdeathsig here, or a frozen agent killed) can kill them at its next start. The start
 * instant guards against killing an unrelated process that reused the pid.
 */
final class PidFile {
    private static final Logger log = LoggerFactory.getLogger(PidFile.class);

    private PidFile() {
    }

    /** Replaces the file with one line for each of {@code processes}. */
    static void write(Path file, Collection<Process> processes) {
        StringBuilder sb = new StringBuilder();
        for (Process p : processes) {
            Instant start = p.info().startInstant().orElse(null);
            sb.append(p.pid()).append(' ').append(start == null ? "-" : start.toString()).append('\n');
        }
        TandemHome.writeAtomically(file, sb.toString());
    }

    static void killLeftovers(Path file) throws IOException {
        if (!Files.exists(file)) return;
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.trim().split(" ");
            if (parts.length != 2) continue;
            long pid;
            try {
                pid = Long.parseLong(parts[0]);
            } catch (NumberFormatException e) {
                continue;
            }
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            if (h.isEmpty()) continue;
            Optional<Instant> started = h.get().info().startInstant();
            if (!parts[1].equals("-") && started.isPresent() && !started.get().toString().equals(parts[1])) continue;
            log.warn("killing leftover instance process {}", pid);
            h.get().descendants().forEach(ProcessHandle::destroyForcibly);
            h.get().destroyForcibly();
        }
        Files.delete(file);
    }
}
