package io.tandem.controller.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.tandem.model.Change;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Environment;
import io.tandem.model.Function;
import io.tandem.model.HttpTrigger;
import io.tandem.model.Json;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.model.Metadata;
import io.tandem.model.Resource;
import io.tandem.model.Resource.Kind;
import io.tandem.model.TimeTrigger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The controller's durable store: resources and the log of their changes, in SQLite ({@code DIR/store.db}, WAL,
 * {@code synchronous=FULL}).
 *
 * <p>Design note. One thread, {@code tandem-store}, owns the JDBC connection and runs every read and write, so
 * there is a single writer and no locking inside the JVM; an exclusive lock on {@code DIR/store.lock} keeps other
 * processes out. Every {@link #write} is one SQLite transaction that bumps the global revision once per change,
 * upserts or deletes the rows and appends to the change log, so a kill -9 at any moment leaves the old state or
 * the new one, and a write acknowledged by returning is on disk. Subscriptions are registered on the owner thread
 * too: what a subscriber reads first (a snapshot, or the log after a revision) and the live changes it is then
 * handed meet without gap or overlap. Each subscriber gets changes on its own delivery thread.
 *
 * <p>The same database keeps the cluster's {@link ClusterEvent}s in a table of their own, apart from resources and
 * revisions: {@link #appendEvents} stores a batch in one transaction, numbers it (seq never reused, even after
 * retention dropped the oldest rows) and keeps the newest {@code eventRetention}; event subscriptions work as
 * change subscriptions do.
 *
 * <p>Thread-safe. The blocking methods must not be called from the owner thread itself (from inside a
 * transaction), nor from an event loop: use the {@code submit} variants there.
 */
public final class ResourceStore implements AutoCloseable {
    private static final ObjectWriter RESOURCE_WRITER = Json.MAPPER.writerFor(Resource.class);
    /** How many of the latest changes the log keeps; a watcher further behind must list again. */
    public static final long DEFAULT_LOG_RETENTION = 100_000;
    /** How many of the newest cluster events are kept. */
    public static final long DEFAULT_EVENT_RETENTION = 100_000;

    private final ExecutorService owner;
    private final Connection connection;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final InstantSource clock;
    private final long logRetention;
    private final long eventRetention;
    private final List<Subscription<Change>> subscriptions = new CopyOnWriteArrayList<>();
    private final List<Subscription<ClusterEvent>> eventSubscriptions = new CopyOnWriteArrayList<>();
    private long revision; // read and written on the owner thread only
    private volatile boolean closed;

    private ResourceStore(ExecutorService owner, Connection connection, FileChannel lockChannel, FileLock lock, InstantSource clock,
                          long logRetention, long eventRetention) {
        this.logRetention = logRetention;
        this.eventRetention = eventRetention;
        this.owner = owner;
        this.connection = connection;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.clock = clock;
    }

    public static ResourceStore open(Path dir) {
        return open(dir, InstantSource.system(), DEFAULT_LOG_RETENTION);
    }

    public static ResourceStore open(Path dir, InstantSource clock) {
        return open(dir, clock, DEFAULT_LOG_RETENTION);
    }

    /**
     * Opens (or creates) the store in {@code dir}.
     *
     * @throws IllegalStateException when another process has it open
     */
    public static ResourceStore open(Path dir, InstantSource clock, long logRetention) {
        return open(dir, clock, logRetention, DEFAULT_EVENT_RETENTION);
    }

    /**
     * Opens (or creates) the store in {@code dir}, keeping the newest {@code logRetention} changes and the newest
     * {@code eventRetention} cluster events.
     *
     * @throws IllegalStateException when another process has it open
     */
    public static ResourceStore open(Path dir, InstantSource clock, long logRetention, long eventRetention) {
        ExecutorService owner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tandem-store");
            t.setDaemon(true);
            return t;
        });
        try {
            Files.createDirectories(dir);
            FileChannel lockChannel = FileChannel.open(dir.resolve("store.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                lockChannel.close();
                throw new IllegalStateException("the store in " + dir + " is in use by another controller: stop it, or use another TANDEM_HOME");
            }
            FileLock held = lock;
            Connection c = owner.submit(() -> connect(dir.resolve("store.db"))).get();
            ResourceStore store = new ResourceStore(owner, c, lockChannel, held, clock, logRetention, eventRetention);
            join(store.onOwner(() -> {
                store.revision = store.readRevision();
                return null;
            }));
            return store;
        } catch (IOException e) {
            owner.shutdownNow();
            throw new UncheckedIOException("cannot open the store in " + dir, e);
        } catch (ExecutionException e) {
            owner.shutdownNow();
            throw new IllegalStateException("cannot open the store in " + dir + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            owner.shutdownNow();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while opening the store", e);
        }
    }

    private static Connection connect(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        config.setBusyTimeout(10_000);
        Connection c = config.createConnection("jdbc:sqlite:" + file);
        try (Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            s.executeUpdate("CREATE TABLE IF NOT EXISTS resources (kind TEXT NOT NULL, name TEXT NOT NULL, json TEXT NOT NULL,"
                    + " revision INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (kind, name))");
            s.executeUpdate("CREATE TABLE IF NOT EXISTS changes (revision INTEGER PRIMARY KEY, type TEXT NOT NULL,"
                    + " kind TEXT NOT NULL, name TEXT NOT NULL, json TEXT NOT NULL)");
            s.executeUpdate("INSERT OR IGNORE INTO meta (key, value) VALUES ('revision', 0)");
            // AUTOINCREMENT: a seq is never handed out twice, even once retention deleted every row below it.
            s.executeUpdate("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,"
                    + " type TEXT NOT NULL, function TEXT, node TEXT, instance TEXT, detail TEXT)");
            s.executeUpdate("CREATE INDEX IF NOT EXISTS events_by_function ON events (function, seq)");
            // Per sender, the id of the last event stored: a batch re-sent after a lost reply is not stored twice.
            s.executeUpdate("CREATE TABLE IF NOT EXISTS event_senders (sender TEXT PRIMARY KEY, last INTEGER NOT NULL)");
        }
        c.setAutoCommit(false);
        c.commit();
        return c;
    }

    /** Reads and writes inside one transaction, on the owner thread. */
    public interface Transaction {
        /** The store's revision as this transaction sees it (its own changes included). */
        long revision();

        Optional<Resource> get(Kind kind, String name);

        /** Sorted by name. */
        List<Resource> list(Kind kind);

        /**
         * Creates or replaces {@code resource}, filling in its metadata (revision, created, updated). Returns null and
         * changes nothing when a resource of that kind and name with an equal spec is stored already.
         */
        Change put(Resource resource);

        /** Returns null when there was nothing to delete. */
        Change delete(Kind kind, String name);
    }

    /** A body run in a transaction; an exception it throws rolls everything back and reaches the caller. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Transaction tx) throws Exception;
    }

    /** Runs {@code work} as one transaction and returns its result once committed (fsynced). */
    public <T> T write(Work<T> work) {
        return join(submitWrite(work));
    }

    /** Reads in a transaction of its own: a consistent view. */
    public <T> T read(Work<T> work) {
        return join(submitRead(work));
    }

    public <T> CompletableFuture<T> submitWrite(Work<T> work) {
        return onOwner(() -> inTransaction(work, true));
    }

    public <T> CompletableFuture<T> submitRead(Work<T> work) {
        return onOwner(() -> inTransaction(work, false));
    }

    public long logRetention() {
        return logRetention;
    }

    /** The revision of the last committed change (0 for an empty store). */
    public long revision() {
        return join(onOwner(() -> revision));
    }

    /**
     * The logged changes after {@code since}, in revision order.
     *
     * @throws HistoryCompactedException when the log no longer goes back that far
     */
    public List<Change> changesSince(long since) {
        return join(onOwner(() -> readChanges(since)));
    }

    /**
     * Delivers, on a delivery thread of its own, first every stored resource as {@link Change.Type#ADDED} (when
     * {@code since} is empty) or every logged change after {@code since}, then each later change exactly once in
     * revision order. Closing the returned handle stops delivery.
     */
    public CompletableFuture<AutoCloseable> subscribe(Optional<Long> since, Consumer<Change> listener) {
        return onOwner(() -> {
            Subscription<Change> sub = new Subscription<>(listener, subscriptions);
            List<Change> first;
            if (since.isPresent()) {
                first = readChanges(since.get());
            } else {
                first = new ArrayList<>();
                for (Kind kind : Kind.values()) {
                    for (Resource r : selectAll(kind)) first.add(new Change(r.metadata().revision(), Change.Type.ADDED, r));
                }
                first.sort(Comparator.comparingLong(Change::revision));
            }
            first.forEach(sub::offer);
            subscriptions.add(sub);
            return sub;
        });
    }

    // ---- cluster events ------------------------------------------------------------------------------------

    public long eventRetention() {
        return eventRetention;
    }

    /**
     * Stores {@code batch} in one transaction, numbering the events in order, drops all but the newest
     * {@code eventRetention}, and hands the stored events to the event subscribers. Returns them with their seq.
     */
    public CompletableFuture<List<ClusterEvent>> appendEvents(List<ClusterEvent> batch) {
        return appendEvents(null, 0, batch);
    }

    /**
     * As {@link #appendEvents(List)}, for a remote {@code sender} that numbers its events: the batch holds the events
     * {@code firstId}, {@code firstId + 1}, ...; those at or below the last id stored for that sender were stored
     * before (a batch re-sent because its reply was lost) and are skipped, in the same transaction.
     */
    public CompletableFuture<List<ClusterEvent>> appendEvents(String sender, long firstId, List<ClusterEvent> batch) {
        return onOwner(() -> {
            if (batch.isEmpty()) return List.of();
            List<ClusterEvent> stored = new ArrayList<>(batch.size());
            try {
                List<ClusterEvent> fresh = batch;
                if (sender != null) {
                    long last = lastEventId(sender);
                    int skip = (int) Math.min(batch.size(), Math.max(0, last - firstId + 1));
                    fresh = batch.subList(skip, batch.size());
                    try (PreparedStatement s = connection.prepareStatement(
                            "INSERT INTO event_senders (sender, last) VALUES (?, ?) ON CONFLICT (sender) DO UPDATE SET last = MAX(last, excluded.last)")) {
                        s.setString(1, sender);
                        s.setLong(2, firstId + batch.size() - 1);
                        s.executeUpdate();
                    }
                    if (fresh.isEmpty()) {
                        connection.commit();
                        return List.of();
                    }
                }
                try (PreparedStatement s = connection.prepareStatement(
                        "INSERT INTO events (at, type, function, node, instance, detail) VALUES (?, ?, ?, ?, ?, ?)",
                        Statement.RETURN_GENERATED_KEYS)) {
                    for (ClusterEvent e : fresh) {
                        s.setString(1, e.at().toString());
                        s.setString(2, e.type());
                        s.setString(3, e.function());
                        s.setString(4, e.node());
                        s.setString(5, e.instance());
                        s.setString(6, e.detail());
                        s.executeUpdate();
                        try (ResultSet keys = s.getGeneratedKeys()) {
                            keys.next();
                            stored.add(e.withSeq(keys.getLong(1)));
                        }
                    }
                }
                try (PreparedStatement s = connection.prepareStatement("DELETE FROM events WHERE seq <= ?")) {
                    s.setLong(1, stored.getLast().seq() - eventRetention);
                    s.executeUpdate();
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw new StoreException("cannot store " + batch.size() + " cluster events", e);
            }
            for (ClusterEvent e : stored) {
                for (Subscription<ClusterEvent> s : eventSubscriptions) s.offer(e);
            }
            return stored;
        });
    }

    private long lastEventId(String sender) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("SELECT last FROM event_senders WHERE sender = ?")) {
            s.setString(1, sender);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** Up to {@code limit} stored events after {@code since}, oldest first; of one function when it is not null. */
    public CompletableFuture<List<ClusterEvent>> readEvents(long since, String function, int limit) {
        return onOwner(() -> selectEvents(since, function, limit));
    }

    /** Some events, oldest first, and the seq a follower continues after. */
    public record EventPage(List<ClusterEvent> events, long after) {
    }

    /**
     * The newest {@code limit} stored events (of one function when it is not null), oldest first, and the newest
     * seq of the whole store when they were read, from which a follower continues without gap.
     */
    public CompletableFuture<EventPage> latestEvents(String function, int limit) {
        return onOwner(() -> {
            String sql = "SELECT seq, at, type, function, node, instance, detail FROM events"
                    + (function == null ? "" : " WHERE function = ?") + " ORDER BY seq DESC LIMIT ?";
            List<ClusterEvent> newestFirst = queryEvents(sql, function == null ? new Object[]{limit} : new Object[]{function, limit});
            long after;
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM events")) {
                rs.next();
                after = rs.getLong(1);
            } finally {
                connection.commit();
            }
            return new EventPage(newestFirst.reversed(), after);
        });
    }

    /**
     * Delivers, on a delivery thread of its own, every stored event after {@code since} and then each later one,
     * exactly once and in seq order. Closing the returned handle stops delivery.
     */
    public CompletableFuture<AutoCloseable> subscribeEvents(long since, Consumer<ClusterEvent> listener) {
        return onOwner(() -> {
            Subscription<ClusterEvent> sub = new Subscription<>(listener, eventSubscriptions);
            selectEvents(since, null, Integer.MAX_VALUE).forEach(sub::offer);
            eventSubscriptions.add(sub);
            return sub;
        });
    }

    private List<ClusterEvent> selectEvents(long since, String function, int limit) throws SQLException {
        String sql = "SELECT seq, at, type, function, node, instance, detail FROM events WHERE seq > ?"
                + (function == null ? "" : " AND function = ?") + " ORDER BY seq LIMIT ?";
        return queryEvents(sql, function == null ? new Object[]{since, limit} : new Object[]{since, function, limit});
    }

    private List<ClusterEvent> queryEvents(String sql, Object... args) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
            List<ClusterEvent> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new ClusterEvent(rs.getLong(1), Instant.parse(rs.getString(2)), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7)));
                }
            }
            return out;
        } finally {
            connection.commit(); // ends the implicit read transaction
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        subscriptions.forEach(Subscription::close);
        eventSubscriptions.forEach(Subscription::close);
        try {
            owner.submit(() -> {
                connection.close();
                return null;
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // closing anyway
        } finally {
            owner.shutdown();
            try {
                lock.release();
                lockChannel.close();
            } catch (IOException ignored) {
                // the process is letting go of the file either way
            }
        }
    }

    private <T> CompletableFuture<T> onOwner(Callable<T> task) {
        if (closed) return CompletableFuture.failedFuture(new IllegalStateException("the store is closed"));
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            owner.execute(() -> {
                try {
                    result.complete(task.call());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("the store is closed"));
        }
        return result;
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the store", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    private <T> T inTransaction(Work<T> work, boolean writable) throws Exception {
        Tx tx = new Tx(revision, writable);
        try {
            T result = work.run(tx);
            if (!tx.changes.isEmpty()) {
                try (PreparedStatement s = connection.prepareStatement("UPDATE meta SET value = ? WHERE key = 'revision'")) {
                    s.setLong(1, tx.revision);
                    s.executeUpdate();
                }
                try (PreparedStatement s = connection.prepareStatement("DELETE FROM changes WHERE revision <= ?")) {
                    s.setLong(1, tx.revision - logRetention);
                    s.executeUpdate();
                }
            }
            connection.commit();
            revision = tx.revision;
            for (Change c : tx.changes) {
                for (Subscription<Change> s : subscriptions) s.offer(c);
            }
            return result;
        } catch (Exception | Error e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
    }

    private final class Tx implements Transaction {
        private final boolean writable;
        private final List<Change> changes = new ArrayList<>();
        private long revision;

        Tx(long revision, boolean writable) {
            this.revision = revision;
            this.writable = writable;
        }

        @Override
        public long revision() {
            return revision;
        }

        @Override
        public Optional<Resource> get(Kind kind, String name) {
            return select(kind, name);
        }

        @Override
        public List<Resource> list(Kind kind) {
            return selectAll(kind);
        }

        @Override
        public Change put(Resource resource) {
            requireWritable();
            Optional<Resource> old = select(resource.kind(), resource.name());
            if (old.isPresent() && specOf(old.get()).equals(specOf(resource))) return null;
            Instant now = clock.instant();
            long rev = ++revision;
            Instant created = old.map(r -> r.metadata().created()).orElse(now);
            Resource stored = withMetadata(resource, new Metadata(resource.name(), rev, created, now));
            String json = toJson(stored);
            sql("INSERT INTO resources (kind, name, json, revision, created, updated) VALUES (?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (kind, name) DO UPDATE SET json = excluded.json, revision = excluded.revision, updated = excluded.updated",
                    resource.kind().wireName(), resource.name(), json, rev, created.toString(), now.toString());
            Change change = new Change(rev, old.isPresent() ? Change.Type.MODIFIED : Change.Type.ADDED, stored);
            log(change, json);
            return change;
        }

        @Override
        public Change delete(Kind kind, String name) {
            requireWritable();
            Optional<Resource> old = select(kind, name);
            if (old.isEmpty()) return null;
            long rev = ++revision;
            sql("DELETE FROM resources WHERE kind = ? AND name = ?", kind.wireName(), name);
            Change change = new Change(rev, Change.Type.DELETED, old.get());
            log(change, toJson(old.get()));
            return change;
        }

        private void log(Change change, String json) {
            sql("INSERT INTO changes (revision, type, kind, name, json) VALUES (?, ?, ?, ?, ?)", change.revision(),
                    change.type().name(), change.resource().kind().wireName(), change.resource().name(), json);
            changes.add(change);
        }

        private void requireWritable() {
            if (!writable) throw new IllegalStateException("a read transaction cannot write");
        }
    }

    private Optional<Resource> select(Kind kind, String name) {
        try (PreparedStatement s = connection.prepareStatement("SELECT json FROM resources WHERE kind = ? AND name = ?")) {
            s.setString(1, kind.wireName());
            s.setString(2, name);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(fromJson(rs.getString(1))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read " + kind.wireName() + " '" + name + "'", e);
        }
    }

    private List<Resource> selectAll(Kind kind) {
        try (PreparedStatement s = connection.prepareStatement("SELECT json FROM resources WHERE kind = ? ORDER BY name")) {
            s.setString(1, kind.wireName());
            List<Resource> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) out.add(fromJson(rs.getString(1)));
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot list " + kind.wireName(), e);
        }
    }

    private List<Change> readChanges(long since) throws SQLException {
        if (since < revision - logRetention) throw new HistoryCompactedException(since, revision - logRetention);
        try (PreparedStatement s = connection.prepareStatement("SELECT revision, type, json FROM changes WHERE revision > ? ORDER BY revision")) {
            s.setLong(1, since);
            List<Change> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) out.add(new Change(rs.getLong(1), Change.Type.valueOf(rs.getString(2)), fromJson(rs.getString(3))));
            }
            return out;
        } finally {
            connection.commit(); // ends the implicit read transaction
        }
    }

    private long readRevision() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = 'revision'")) {
            rs.next();
            return rs.getLong(1);
        } finally {
            connection.commit();
        }
    }

    private void sql(String sql, Object... args) {
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot write the store", e);
        }
    }

    private static Object specOf(Resource r) {
        return switch (r) {
            case Environment e -> e.spec();
            case Function f -> f.spec();
            case HttpTrigger t -> t.spec();
            case TimeTrigger t -> t.spec();
            case MessageQueueTrigger t -> t.spec();
        };
    }

    /** {@code r} with {@code m} as its metadata. */
    public static Resource withMetadata(Resource r, Metadata m) {
        return switch (r) {
            case Environment e -> new Environment(m, e.spec());
            case Function f -> new Function(m, f.spec());
            case HttpTrigger t -> new HttpTrigger(m, t.spec());
            case TimeTrigger t -> new TimeTrigger(m, t.spec());
            case MessageQueueTrigger t -> new MessageQueueTrigger(m, t.spec());
        };
    }

    private static String toJson(Resource r) {
        try {
            return RESOURCE_WRITER.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + r.kind().wireName() + " '" + r.name() + "' as JSON", e);
        }
    }

    private static Resource fromJson(String json) {
        return Json.read(json, Resource.class);
    }

    /** The log no longer holds the changes right after the requested revision. */
    public static final class HistoryCompactedException extends RuntimeException {
        private final long oldest;

        HistoryCompactedException(long since, long oldest) {
            super("the change log no longer goes back to revision " + since + "; it starts after " + oldest);
            this.oldest = oldest;
        }

        /** Changes after this revision are still logged. */
        public long oldest() {
            return oldest;
        }
    }

    /** A failure of the database itself (disk full, damaged file), not of the caller's input. */
    public static final class StoreException extends RuntimeException {
        StoreException(String message, Throwable cause) {
            super(message + ": " + cause.getMessage(), cause);
        }
    }

    /** One subscriber: a queue drained in order by its own virtual thread. */
    private final class Subscription<T> implements AutoCloseable {
        private final ExecutorService delivery = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("tandem-feed-", 0).factory());
        private final Consumer<T> listener;
        private final List<Subscription<T>> list;

        /** {@code list}: the subscriptions this one joins, and leaves when closed. */
        Subscription(Consumer<T> listener, List<Subscription<T>> list) {
            this.listener = listener;
            this.list = list;
        }

        void offer(T item) {
            try {
                delivery.execute(() -> {
                    try {
                        listener.accept(item);
                    } catch (RuntimeException e) {
                        LoggerFactory.getLogger(ResourceStore.class).warn("a store listener failed on {}", item, e);
                    }
                });
            } catch (RejectedExecutionException closed) {
                // unsubscribed
            }
        }

        @Override
        public void close() {
            list.remove(this);
            delivery.shutdownNow();
        }
    }
}
