package io.tandem.controller.store;

import io.tandem.model.Change;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Resource;
import io.tandem.model.Resource.Kind;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import static io.tandem.controller.store.ResourceJson.fromJson;

/**
 * The controller's durable store: resources and the log of their changes, kept in a {@link Database} whose one
 * owner thread runs every read and write.
 *
 * <p>Design note. Every {@link #write} is one transaction that bumps the global revision once per change, upserts
 * or deletes the rows and appends to the change log, so a kill -9 at any moment leaves the old state or the new
 * one, and a write acknowledged by returning is on disk. Subscriptions are registered on the owner thread too: what
 * a subscriber reads first (a snapshot, or the log after a revision) and the live changes it is then handed meet
 * without gap or overlap. Each subscriber gets changes on its own delivery thread ({@link Subscribers}).
 *
 * <p>The same database keeps the cluster's events ({@link EventLog}); the event methods here hand over to it.
 *
 * <p>Thread-safe. The blocking methods must not be called from the owner thread itself (from inside a
 * transaction), nor from an event loop: use the {@code submit} variants there.
 */
public final class ResourceStore implements AutoCloseable {
    /** How many of the latest changes the log keeps; a watcher further behind must list again. */
    public static final long DEFAULT_LOG_RETENTION = 100_000;
    /** How many of the newest cluster events are kept. */
    public static final long DEFAULT_EVENT_RETENTION = 100_000;

    private final Database db;
    private final EventLog events;
    private final InstantSource clock;
    private final long logRetention;
    private final Subscribers<Change> subscribers = new Subscribers<>();
    private long revision; // read and written on the owner thread only

    private ResourceStore(Database db, InstantSource clock, long logRetention, long eventRetention) {
        this.db = db;
        this.events = new EventLog(db, eventRetention);
        this.clock = clock;
        this.logRetention = logRetention;
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
        Database db = Database.open(dir);
        ResourceStore store = new ResourceStore(db, clock, logRetention, eventRetention);
        try {
            Database.join(db.onOwner(() -> {
                store.revision = db.inTransaction(ResourceStore::readRevision);
                return null;
            }));
        } catch (RuntimeException e) {
            db.close();
            throw new IllegalStateException("cannot open the store in " + dir + ": " + e.getMessage(), e);
        }
        return store;
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
        return Database.join(submitWrite(work));
    }

    /** Reads in a transaction of its own: a consistent view. */
    public <T> T read(Work<T> work) {
        return Database.join(submitRead(work));
    }

    public <T> CompletableFuture<T> submitWrite(Work<T> work) {
        return db.onOwner(() -> run(work, true));
    }

    public <T> CompletableFuture<T> submitRead(Work<T> work) {
        return db.onOwner(() -> run(work, false));
    }

    public long logRetention() {
        return logRetention;
    }

    /** The revision of the last committed change (0 for an empty store). */
    public long revision() {
        return Database.join(db.onOwner(() -> revision));
    }

    /**
     * The logged changes after {@code since}, in revision order.
     *
     * @throws HistoryCompactedException when the log no longer goes back that far
     */
    public List<Change> changesSince(long since) {
        return Database.join(db.onOwner(() -> db.inTransaction(c -> readChanges(c, since))));
    }

    /**
     * Delivers, on a delivery thread of its own, first every stored resource as {@link Change.Type#ADDED} (when
     * {@code since} is empty) or every logged change after {@code since}, then each later change exactly once in
     * revision order. Closing the returned handle stops delivery.
     */
    public CompletableFuture<AutoCloseable> subscribe(Optional<Long> since, Consumer<Change> listener) {
        return db.onOwner(() -> {
            List<Change> first = db.inTransaction(c -> since.isPresent() ? readChanges(c, since.get()) : snapshot(c));
            return subscribers.subscribe(first, listener);
        });
    }

    /** Every stored resource as an {@link Change.Type#ADDED} change, in revision order. */
    private static List<Change> snapshot(Connection c) {
        List<Change> all = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (Resource r : ResourceTransaction.selectAll(c, kind)) all.add(new Change(r.metadata().revision(), Change.Type.ADDED, r));
        }
        all.sort(Comparator.comparingLong(Change::revision));
        return all;
    }

    // ---- cluster events: kept by the EventLog on the same database ----------------------------------------

    public long eventRetention() {
        return events.retention();
    }

    /**
     * Stores {@code batch} in one transaction, numbering the events in order, drops all but the newest
     * {@code eventRetention}, and hands the stored events to the event subscribers. Returns them with their seq.
     */
    public CompletableFuture<List<ClusterEvent>> appendEvents(List<ClusterEvent> batch) {
        return events.appendEvents(null, 0, batch);
    }

    /**
     * As {@link #appendEvents(List)}, for a remote {@code sender} that numbers its events: the batch holds the events
     * {@code firstId}, {@code firstId + 1}, ...; those at or below the last id stored for that sender were stored
     * before (a batch re-sent because its reply was lost) and are skipped, in the same transaction.
     */
    public CompletableFuture<List<ClusterEvent>> appendEvents(String sender, long firstId, List<ClusterEvent> batch) {
        return events.appendEvents(sender, firstId, batch);
    }

    /** Up to {@code limit} stored events after {@code since}, oldest first; of one function when it is not null. */
    public CompletableFuture<List<ClusterEvent>> readEvents(long since, String function, int limit) {
        return events.readEvents(since, function, limit);
    }

    /** Some events, oldest first, and the seq a follower continues after. */
    public record EventPage(List<ClusterEvent> events, long after) {
    }

    /**
     * The newest {@code limit} stored events (of one function when it is not null), oldest first, and the newest
     * seq of the whole store when they were read, from which a follower continues without gap.
     */
    public CompletableFuture<EventPage> latestEvents(String function, int limit) {
        return events.latestEvents(function, limit, EventPage::new);
    }

    /**
     * Delivers, on a delivery thread of its own, every stored event after {@code since} and then each later one,
     * exactly once and in seq order. Closing the returned handle stops delivery.
     */
    public CompletableFuture<AutoCloseable> subscribeEvents(long since, Consumer<ClusterEvent> listener) {
        return events.subscribeEvents(since, listener);
    }

    @Override
    public void close() {
        subscribers.close();
        events.close();
        db.close();
    }

    // ---- on the owner thread -------------------------------------------------------------------------------

    private <T> T run(Work<T> work, boolean writable) throws Exception {
        ResourceTransaction tx = new ResourceTransaction(db.connection(), clock, revision, writable);
        T result = db.inTransaction(c -> {
            T r = work.run(tx);
            if (!tx.changes().isEmpty()) {
                ResourceTransaction.update(c, "UPDATE meta SET value = ? WHERE key = 'revision'", tx.revision());
                ResourceTransaction.update(c, "DELETE FROM changes WHERE revision <= ?", tx.revision() - logRetention);
            }
            return r;
        });
        revision = tx.revision();
        subscribers.publish(tx.changes());
        return result;
    }

    private List<Change> readChanges(Connection c, long since) throws SQLException {
        if (since < revision - logRetention) throw new HistoryCompactedException(since, revision - logRetention);
        try (PreparedStatement s = c.prepareStatement("SELECT revision, type, json FROM changes WHERE revision > ? ORDER BY revision")) {
            s.setLong(1, since);
            List<Change> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) out.add(new Change(rs.getLong(1), Change.Type.valueOf(rs.getString(2)), fromJson(rs.getString(3))));
            }
            return out;
        }
    }

    private static long readRevision(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = 'revision'")) {
            rs.next();
            return rs.getLong(1);
        }
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
}
