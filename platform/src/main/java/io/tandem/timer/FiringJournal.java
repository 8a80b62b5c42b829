package io.tandem.timer;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tandem.home.TandemHome;
import io.tandem.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each timer has done, kept in one small JSON file ({@code TANDEM_HOME/timers/firings.json}) that every change
 * rewrites whole, atomically (temp file, fsync, rename), so a kill -9 leaves the old version or the new one.
 * {@link Entry#handledUpTo} is what keeps firings from being doubled: the scheduler writes it before it sends a
 * firing, and never sends one scheduled at or before it. The controller reads the file to show the last firing.
 *
 * <p>Thread-safe (every method is synchronized); only one scheduler should write a given file, which the server's
 * one-server-per-home rule ensures.
 */
public final class FiringJournal {
    private static final Logger log = LoggerFactory.getLogger(FiringJournal.class);
    private static final TypeReference<TreeMap<String, Entry>> TYPE = new TypeReference<>() {
    };

    /**
     * One timer's record. {@code handledUpTo}: the latest scheduled instant fired or skipped; {@code last}: the
     * latest firing sent (null before the first); {@code skipped}: firings skipped because the previous one still ran.
     */
    public record Entry(Instant handledUpTo, LastFiring last, long fired, long skipped, long failed) {
        Entry handled(Instant scheduled) {
            return new Entry(scheduled, last, fired, skipped, failed);
        }
    }

    /**
     * The latest firing sent: when it was due and sent, and, once it finished, how: {@code outcome} is
     * {@code running}, {@code succeeded} (a 2xx answer) or {@code failed}; {@code status} is the answer's status.
     */
    public record LastFiring(Instant scheduled, Instant sent, String outcome, Integer status, Instant finished, String detail) {
        public static final String RUNNING = "running";
        public static final String SUCCEEDED = "succeeded";
        public static final String FAILED = "failed";
    }

    private final Path file;
    private final TreeMap<String, Entry> entries; // guarded by this

    private FiringJournal(Path file, TreeMap<String, Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    public static Path fileIn(TandemHome home) {
        return home.root().resolve("timers").resolve("firings.json");
    }

    /** Opens the journal at {@code file}, empty when there is none yet. */
    public static FiringJournal open(Path file) {
        return new FiringJournal(file, new TreeMap<>(read(file)));
    }

    /** The entries stored at {@code file} now; empty when there is none or it cannot be read (logged). */
    public static Map<String, Entry> read(Path file) {
        try {
            return Json.MAPPER.readValue(Files.readAllBytes(file), TYPE);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            log.warn("cannot read the timer journal {}: {}", file, e.toString());
            return Map.of();
        }
    }

    public synchronized Optional<Entry> get(String trigger) {
        return Optional.ofNullable(entries.get(trigger));
    }

    /** Stores {@code entry} for {@code trigger}; on disk when this returns. */
    public synchronized void put(String trigger, Entry entry) {
        entries.put(trigger, entry);
        write();
    }

    public synchronized void remove(String trigger) {
        if (entries.remove(trigger) != null) write();
    }

    private void write() {
        try {
            TandemHome.writeAtomically(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(entries));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the timer journal " + file, e);
        }
    }
}
