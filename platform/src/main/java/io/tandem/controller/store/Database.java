package io.tandem.controller.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.sqlite.SQLiteConfig;

/**
 * The SQLite file behind the store ({@code DIR/store.db}, WAL, {@code synchronous=FULL}), its schema, and the one
 * thread that touches it.
 *
 * <p>Design note. One thread, {@code tandem-store}, owns the JDBC connection: every task given to {@link #onOwner}
 * runs there, so there is a single writer and no locking inside the JVM; an exclusive lock on {@code DIR/store.lock}
 * keeps other processes out. {@link #inTransaction} is the only way to run SQL: it commits when its body returns, so
 * a kill -9 at any moment leaves the old state or the new one, and rolls back when the body throws.
 *
 * <p>Thread-safe. {@link #connection()} and {@link #inTransaction} are for the owner thread only.
 */
final class Database implements AutoCloseable {
    private final ExecutorService owner;
    private final Connection connection; // owner thread only
    private final FileChannel lockChannel;
    private final FileLock lock;
    private volatile boolean closed;

    private Database(ExecutorService owner, Connection connection, FileChannel lockChannel, FileLock lock) {
        this.owner = owner;
        this.connection = connection;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** SQL run with the connection on the owner thread. */
    @FunctionalInterface
    interface Sql<T> {
        T run(Connection connection) throws Exception;
    }

    /**
     * Opens (or creates) the database in {@code dir}.
     *
     * @throws IllegalStateException when another process has it open
     */
    static Database open(Path dir) {
        ExecutorService owner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tandem-store");
            t.setDaemon(true);
            return t;
        });
        try {
            Files.createDirectories(dir);
            FileChannel lockChannel = FileChannel.open(dir.resolve("store.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = tryLock(lockChannel);
            if (lock == null) {
                lockChannel.close();
                throw new IllegalStateException("the store in " + dir + " is in use by another controller: stop it, or use another TANDEM_HOME");
            }
            Connection c = owner.submit(() -> connect(dir.resolve("store.db"))).get();
            return new Database(owner, c, lockChannel, lock);
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
        } catch (RuntimeException e) {
            owner.shutdownNow();
            throw e;
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
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
            createSchema(s);
        }
        c.setAutoCommit(false);
        c.commit();
        return c;
    }

    private static void createSchema(Statement s) throws SQLException {
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

    /** Runs {@code task} on the owner thread; fails when the database is closed. */
    <T> CompletableFuture<T> onOwner(Callable<T> task) {
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

    /** On the owner thread: runs {@code sql} as one transaction, committed (fsynced) when it returns. */
    <T> T inTransaction(Sql<T> sql) throws Exception {
        try {
            T result = sql.run(connection);
            connection.commit();
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

    /** On the owner thread: the connection, for a body run by {@link #inTransaction}. */
    Connection connection() {
        return connection;
    }

    /** Waits for {@code future}, rethrowing what it failed with. */
    static <T> T join(CompletableFuture<T> future) {
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

    /** Closes the connection on the owner thread, stops that thread and lets go of the file lock. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
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
}
