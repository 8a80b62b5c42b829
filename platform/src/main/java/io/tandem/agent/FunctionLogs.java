package io.tandem.agent;

import io.tandem.model.LogQuery;
import io.tandem.model.LogRecord;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logs of the functions whose instances run on one node: per function a directory with {@code current.log}
 * and {@code previous.log}. When {@code current.log} would pass half the function's cap it replaces
 * {@code previous.log}, so a function never holds more than its cap on this node however much it prints.
 * Each line on disk is {@code TIME INSTANCE STREAM MESSAGE}, the message already made printable by
 * {@link LineSplitter}. Lines of instances not yet specialized go to {@code _pool}, a name no function can have.
 *
 * <p><b>Threading.</b> Any thread appends (one pump per instance stream); a function's lock orders its lines,
 * guards the rotation, and makes reading the backlog and joining the followers one step, so a follower sees every
 * line once. Followers are called under that lock and must not block.
 */
final class FunctionLogs {
    private static final Logger log = LoggerFactory.getLogger(FunctionLogs.class);
    static final String POOL = "_pool";

    private final Path dir;
    private final String node;
    private final long capBytes;
    private final Map<String, FunctionLog> logs = new ConcurrentHashMap<>();

    FunctionLogs(Path dir, String node, long capBytes) {
        this.dir = dir;
        this.node = node;
        this.capBytes = capBytes;
    }

    void append(String function, String instance, String stream, String message) {
        log(function == null ? POOL : function).append(new LogRecord(Instant.now(), function == null ? POOL : function, instance, node, stream, message));
    }

    /**
     * Writes out what was appended to {@code function}'s log (null: the pool's) and is still buffered. A pump calls
     * it after each read from its pipe, so the lines of one read reach the file in one write rather than one each;
     * reading the log writes them out first too.
     */
    void flush(String function) {
        FunctionLog f = logs.get(function == null ? POOL : function);
        if (f != null) f.flush();
    }

    /** The lines that {@code query} selects, oldest first; never follows. Blocks on file reads. */
    List<LogRecord> read(String function, LogQuery query) throws IOException {
        return log(function).read(query, null);
    }

    /**
     * The lines that {@code query} selects, and from then on every new line it accepts goes to {@code live}, until
     * the returned handle is run. Blocks on file reads.
     */
    Runnable follow(String function, LogQuery query, Consumer<LogRecord> live, List<LogRecord> backlog) throws IOException {
        FunctionLog f = log(function);
        Consumer<LogRecord> filtered = r -> {
            if (query.accepts(r)) live.accept(r);
        };
        backlog.addAll(f.read(query, filtered));
        return () -> f.followers.remove(filtered);
    }

    /** The last {@code n} lines of one instance, for the reason an instance did not start. */
    List<String> lastLines(String function, String instance, int n) {
        try {
            return log(function == null ? POOL : function).read(new LogQuery(n, null, instance, false, false), null).stream()
                    .map(r -> r.stream() + ": " + r.message()).toList();
        } catch (IOException | RuntimeException e) {
            return List.of("(log unreadable: " + e.getMessage() + ")");
        }
    }

    private FunctionLog log(String function) {
        return logs.computeIfAbsent(function, f -> new FunctionLog(dir.resolve(f)));
    }

    private final class FunctionLog {
        final Path current;
        final Path previous;
        final List<Consumer<LogRecord>> followers = new CopyOnWriteArrayList<>();
        private OutputStream out;
        private long size;
        private boolean failing;

        FunctionLog(Path dir) {
            this.current = dir.resolve("current.log");
            this.previous = dir.resolve("previous.log");
        }

        synchronized void append(LogRecord r) {
            byte[] line = (r.time() + " " + r.instance() + " " + r.stream() + " " + r.message() + "\n").getBytes(StandardCharsets.UTF_8);
            try {
                if (out == null) open();
                if (size > 0 && size + line.length > capBytes / 2) rotate();
                out.write(line);
                size += line.length;
                failing = false;
            } catch (IOException e) {
                failed(e);
            }
            for (Consumer<LogRecord> f : followers) f.accept(r);
        }

        synchronized void flush() {
            if (out == null) return;
            try {
                out.flush();
            } catch (IOException e) {
                failed(e);
            }
        }

        /** A full or broken disk drops lines; the pump must go on reading or the instance would block on write. */
        private void failed(IOException e) {
            if (!failing) log.warn("cannot write the log of {}: {}", current.getParent().getFileName(), e.toString());
            failing = true;
            closeQuietly();
        }

        private void open() throws IOException {
            Files.createDirectories(current.getParent());
            // Buffered: the pump flushes after each read from the pipe, and reading the log flushes first.
            out = new BufferedOutputStream(new FileOutputStream(current.toFile(), true), 64 * 1024);
            size = Files.size(current);
        }

        private void rotate() throws IOException {
            out.close();
            out = null;
            Files.move(current, previous, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            open();
        }

        private void closeQuietly() {
            try {
                if (out != null) out.close();
            } catch (IOException ignored) {
                // already failing
            }
            out = null;
        }

        /** Reads under the lock, so no line is written between the backlog and joining the followers. */
        synchronized List<LogRecord> read(LogQuery query, Consumer<LogRecord> follower) throws IOException {
            flush();
            ArrayDeque<LogRecord> last = new ArrayDeque<>();
            for (Path file : List.of(previous, current)) readInto(file, query, last);
            if (follower != null) followers.add(follower);
            return new ArrayList<>(last);
        }

        private void readInto(Path file, LogQuery query, ArrayDeque<LogRecord> last) throws IOException {
            if (query.tail() == 0) return;
            String function = current.getParent().getFileName().toString();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    LogRecord r = parse(function, line);
                    if (r == null || !query.accepts(r)) continue;
                    if (last.size() == query.tail()) last.poll();
                    last.add(r);
                }
            } catch (NoSuchFileException absent) {
                // nothing logged yet, or never rotated
            }
        }

        private LogRecord parse(String function, String line) {
            String[] parts = line.split(" ", 4);
            if (parts.length < 3) return null;
            try {
                return new LogRecord(Instant.parse(parts[0]), function, parts[1], node, parts[2], parts.length == 4 ? parts[3] : "");
            } catch (DateTimeParseException torn) {
                return null; // a line cut by a crash of the agent mid-write
            }
        }
    }
}
