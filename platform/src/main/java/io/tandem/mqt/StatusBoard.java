package io.tandem.mqt;

import io.tandem.home.TandemHome;
import io.tandem.model.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each message queue trigger is doing, kept by the server process and written to
 * {@code TANDEM_HOME/mqt/status.json} (at most a few times a second, when something changed) for the controller,
 * which runs in a process of its own, to show. Counts are since the server started. Thread-safe.
 */
public final class StatusBoard {
    private static final Logger log = LoggerFactory.getLogger(StatusBoard.class);

    /** One trigger as written: {@code state} is {@code connected}, {@code disconnected: <reason>}, {@code error: <reason>} or {@code starting}. */
    public record Entry(String state, long delivered, long succeeded, long retried, long deadLettered, String lastError,
            Instant lastErrorAt, String stream, String consumer) {
    }

    /** The file's content: the writing server's pid, the NATS address and connection state, and every trigger. */
    public record Snapshot(long pid, Instant written, String nats, String connection, Map<String, Entry> triggers) {
    }

    /** One trigger's live counters and state. */
    final class Counters {
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong succeeded = new AtomicLong();
        final AtomicLong retried = new AtomicLong();
        final AtomicLong deadLettered = new AtomicLong();
        private volatile String setupError;
        private volatile boolean consuming;
        private volatile String lastError;
        private volatile Instant lastErrorAt;
        private volatile String stream;
        private volatile String consumer;

        void count(AtomicLong counter) {
            counter.incrementAndGet();
            changed.set(true);
        }

        void failed(String error, Instant at) {
            lastError = error;
            lastErrorAt = at;
            changed.set(true);
        }

        void consuming(String stream, String consumer) {
            this.stream = stream;
            this.consumer = consumer;
            this.consuming = true;
            this.setupError = null;
            changed.set(true);
        }

        void stopped(String setupError) {
            this.consuming = false;
            this.setupError = setupError;
            changed.set(true);
        }

        Entry entry(boolean connected, String connection) {
            String state = !connected ? connection : consuming ? "connected" : setupError != null ? "error: " + setupError : "starting";
            return new Entry(state, delivered.get(), succeeded.get(), retried.get(), deadLettered.get(), lastError, lastErrorAt, stream, consumer);
        }
    }

    private final Path file;
    private final String nats;
    private final Map<String, Counters> triggers = new ConcurrentHashMap<>();
    private final AtomicBoolean changed = new AtomicBoolean(true);

    StatusBoard(Path file, String nats) {
        this.file = file;
        this.nats = nats;
    }

    public static Path fileIn(TandemHome home) {
        return home.root().resolve("mqt").resolve("status.json");
    }

    /** The snapshot at {@code file}, empty when there is none or it cannot be read (logged). */
    public static Optional<Snapshot> read(Path file) {
        try {
            return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(file), Snapshot.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            log.warn("cannot read the message queue trigger status {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    Counters of(String trigger) {
        changed.set(true);
        return triggers.computeIfAbsent(trigger, t -> new Counters());
    }

    void remove(String trigger) {
        if (triggers.remove(trigger) != null) changed.set(true);
    }

    void connectionChanged() {
        changed.set(true);
    }

    /** Writes the file when something changed since the last write; {@code connection} is the link's state. */
    void flush(boolean connected, String connection) {
        if (!changed.getAndSet(false)) return;
        Map<String, Entry> entries = new TreeMap<>();
        triggers.forEach((name, c) -> entries.put(name, c.entry(connected, connection)));
        Snapshot s = new Snapshot(ProcessHandle.current().pid(), Instant.now(), nats, connection, entries);
        try {
            TandemHome.writeAtomically(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(s));
        } catch (IOException | RuntimeException e) {
            changed.set(true);
            log.warn("cannot write the message queue trigger status {}: {}", file, e.toString());
        }
    }
}
