package io.tandem.controller.store;

import io.tandem.controller.store.ResourceStore.Transaction;
import io.tandem.model.Change;
import io.tandem.model.Metadata;
import io.tandem.model.Resource;
import io.tandem.model.Resource.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.tandem.controller.store.ResourceJson.fromJson;
import static io.tandem.controller.store.ResourceJson.specOf;
import static io.tandem.controller.store.ResourceJson.toJson;
import static io.tandem.controller.store.ResourceJson.withMetadata;

/**
 * One transaction's reads and writes of resources: each change bumps the revision, upserts or deletes the row and
 * appends to the change log. Lives on the store's owner thread, inside {@link Database#inTransaction}, and is not
 * used after it ends.
 */
final class ResourceTransaction implements Transaction {
    private final Connection connection;
    private final InstantSource clock;
    private final boolean writable;
    private final List<Change> changes = new ArrayList<>();
    private long revision;

    ResourceTransaction(Connection connection, InstantSource clock, long revision, boolean writable) {
        this.connection = connection;
        this.clock = clock;
        this.revision = revision;
        this.writable = writable;
    }

    @Override
    public long revision() {
        return revision;
    }

    /** What this transaction changed so far, in order. */
    List<Change> changes() {
        return changes;
    }

    @Override
    public Optional<Resource> get(Kind kind, String name) {
        return select(connection, kind, name);
    }

    @Override
    public List<Resource> list(Kind kind) {
        return selectAll(connection, kind);
    }

    @Override
    public Change put(Resource resource) {
        requireWritable();
        Optional<Resource> old = select(connection, resource.kind(), resource.name());
        if (old.isPresent() && specOf(old.get()).equals(specOf(resource))) return null;
        Instant now = clock.instant();
        long rev = ++revision;
        Instant created = old.map(r -> r.metadata().created()).orElse(now);
        Resource stored = withMetadata(resource, new Metadata(resource.name(), rev, created, now));
        String json = toJson(stored);
        update(connection, "INSERT INTO resources (kind, name, json, revision, created, updated) VALUES (?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (kind, name) DO UPDATE SET json = excluded.json, revision = excluded.revision, updated = excluded.updated",
                resource.kind().wireName(), resource.name(), json, rev, created.toString(), now.toString());
        Change change = new Change(rev, old.isPresent() ? Change.Type.MODIFIED : Change.Type.ADDED, stored);
        log(change, json);
        return change;
    }

    @Override
    public Change delete(Kind kind, String name) {
        requireWritable();
        Optional<Resource> old = select(connection, kind, name);
        if (old.isEmpty()) return null;
        long rev = ++revision;
        update(connection, "DELETE FROM resources WHERE kind = ? AND name = ?", kind.wireName(), name);
        Change change = new Change(rev, Change.Type.DELETED, old.get());
        log(change, toJson(old.get()));
        return change;
    }

    private void log(Change change, String json) {
        update(connection, "INSERT INTO changes (revision, type, kind, name, json) VALUES (?, ?, ?, ?, ?)", change.revision(),
                change.type().name(), change.resource().kind().wireName(), change.resource().name(), json);
        changes.add(change);
    }

    private void requireWritable() {
        if (!writable) throw new IllegalStateException("a read transaction cannot write");
    }

    private static Optional<Resource> select(Connection c, Kind kind, String name) {
        try (PreparedStatement s = c.prepareStatement("SELECT json FROM resources WHERE kind = ? AND name = ?")) {
            s.setString(1, kind.wireName());
            s.setString(2, name);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(fromJson(rs.getString(1))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read " + kind.wireName() + " '" + name + "'", e);
        }
    }

    /** Every stored resource of {@code kind}, sorted by name. */
    static List<Resource> selectAll(Connection c, Kind kind) {
        try (PreparedStatement s = c.prepareStatement("SELECT json FROM resources WHERE kind = ? ORDER BY name")) {
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

    static void update(Connection c, String sql, Object... args) {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot write the store", e);
        }
    }
}
