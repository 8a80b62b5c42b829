package io.tandem.controller.store;

import io.tandem.model.ClusterEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The cluster's {@link ClusterEvent}s, in a table of their own beside the resources (same database, apart from
 * resources and revisions). {@link #appendEvents} stores a batch in one transaction, numbers it (seq never reused,
 * even after retention dropped the oldest rows) and keeps the newest {@code retention}.
 *
 * <p>Thread-safe: every method hands its work to the database's owner thread and returns at once; the SQL helpers
 * run there.
 */
final class EventLog {
    private static final String COLUMNS = "SELECT seq, at, type, function, node, instance, detail FROM events";

    private final Database db;
    private final long retention;
    private final Subscribers<ClusterEvent> subscribers = new Subscribers<>();

    EventLog(Database db, long retention) {
        this.db = db;
        this.retention = retention;
    }

    long retention() {
        return retention;
    }

    /**
     * Stores {@code batch} in one transaction, numbered in order, and hands the stored events to the subscribers. With
     * a {@code sender} (null: none), the batch holds its events {@code firstId}, {@code firstId + 1}, ...; those at or
     * below the last id stored for it are skipped, in the same transaction.
     */
    CompletableFuture<List<ClusterEvent>> appendEvents(String sender, long firstId, List<ClusterEvent> batch) {
        return db.onOwner(() -> {
            if (batch.isEmpty()) return List.of();
            List<ClusterEvent> stored = db.inTransaction(c -> {
                try {
                    List<ClusterEvent> fresh = sender == null ? batch : unseen(c, sender, firstId, batch);
                    return fresh.isEmpty() ? List.<ClusterEvent>of() : insert(c, fresh);
                } catch (SQLException | RuntimeException e) {
                    throw new StoreException("cannot store " + batch.size() + " cluster events", e);
                }
            });
            subscribers.publish(stored);
            return stored;
        });
    }

    /** The events of {@code batch} not stored before for {@code sender}, whose last stored id it moves past them. */
    private static List<ClusterEvent> unseen(Connection c, String sender, long firstId, List<ClusterEvent> batch) throws SQLException {
        long last = lastEventId(c, sender);
        int skip = (int) Math.min(batch.size(), Math.max(0, last - firstId + 1));
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO event_senders (sender, last) VALUES (?, ?) ON CONFLICT (sender) DO UPDATE SET last = MAX(last, excluded.last)")) {
            s.setString(1, sender);
            s.setLong(2, firstId + batch.size() - 1);
            s.executeUpdate();
        }
        return batch.subList(skip, batch.size());
    }

    private static long lastEventId(Connection c, String sender) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT last FROM event_senders WHERE sender = ?")) {
            s.setString(1, sender);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** Inserts {@code fresh}, numbering it, and drops all but the newest {@code retention} events. */
    private List<ClusterEvent> insert(Connection c, List<ClusterEvent> fresh) throws SQLException {
        List<ClusterEvent> stored = new ArrayList<>(fresh.size());
        try (PreparedStatement s = c.prepareStatement("INSERT INTO events (at, type, function, node, instance, detail) VALUES (?, ?, ?, ?, ?, ?)",
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
        try (PreparedStatement s = c.prepareStatement("DELETE FROM events WHERE seq <= ?")) {
            s.setLong(1, stored.getLast().seq() - retention);
            s.executeUpdate();
        }
        return stored;
    }

    /** Up to {@code limit} events after {@code since}, oldest first; of one function when it is not null. */
    CompletableFuture<List<ClusterEvent>> readEvents(long since, String function, int limit) {
        return db.onOwner(() -> db.inTransaction(c -> selectEvents(c, since, function, limit)));
    }

    /**
     * The newest {@code limit} events (of one function when it is not null), oldest first, and the newest seq of the
     * whole log when they were read, made into a {@code page}.
     */
    <P> CompletableFuture<P> latestEvents(String function, int limit, BiFunction<List<ClusterEvent>, Long, P> page) {
        return db.onOwner(() -> db.inTransaction(c -> {
            String sql = COLUMNS + (function == null ? "" : " WHERE function = ?") + " ORDER BY seq DESC LIMIT ?";
            List<ClusterEvent> newestFirst = query(c, sql, function == null ? new Object[]{limit} : new Object[]{function, limit});
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM events")) {
                rs.next();
                return page.apply(newestFirst.reversed(), rs.getLong(1));
            }
        }));
    }

    /** Every event after {@code since}, then each later one, in seq order, on a delivery thread of the listener's own. */
    CompletableFuture<AutoCloseable> subscribeEvents(long since, Consumer<ClusterEvent> listener) {
        return db.onOwner(() -> subscribers.subscribe(db.inTransaction(c -> selectEvents(c, since, null, Integer.MAX_VALUE)), listener));
    }

    void close() {
        subscribers.close();
    }

    private static List<ClusterEvent> selectEvents(Connection c, long since, String function, int limit) throws SQLException {
        String sql = COLUMNS + " WHERE seq > ?" + (function == null ? "" : " AND function = ?") + " ORDER BY seq LIMIT ?";
        return query(c, sql, function == null ? new Object[]{since, limit} : new Object[]{since, function, limit});
    }

    private static List<ClusterEvent> query(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
            List<ClusterEvent> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new ClusterEvent(rs.getLong(1), Instant.parse(rs.getString(2)), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7)));
                }
            }
            return out;
        }
    }
}
