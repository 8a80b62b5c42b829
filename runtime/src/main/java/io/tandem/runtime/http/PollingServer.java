package io.tandem.runtime.http;

import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The instance's HTTP/1.1 server for calls that are short more often than not: a few pollers, one per core, each
 * waiting on a selector for any of its connections' next request and serving it inline, on the poller's own thread.
 *
 * <p>Why: {@link BlockingServer} blocks a thread per connection, so every call wakes a thread and puts it back to
 * sleep. Under load from the router's pool of connections most of an instance's CPU went to those wake-ups, not to
 * the function. Here one wake-up of a poller serves every connection whose request has come meanwhile.
 *
 * <p>A handler may still take long: compute, wait on a database, sleep. A poller stuck in one would hold up its other
 * connections, health checks among them. So while calls run the thread {@code <prefix>watch} looks at the pollers
 * whenever the oldest running call is due, and a poller that has served one call for longer than
 * {@value #RELIEF_MICROS} µs is relieved: a thread from the server's pool takes over its selector, and the stuck
 * thread, once its call is answered, gives the connection back to the selector and returns to the pool. A function
 * whose every call blocks thus costs a hand-off per call, as {@link BlockingServer} does, and never blocks the
 * instance's other calls for more than about a relief time. The watcher sleeps while no call runs; the first call
 * after a pause wakes it.
 *
 * <p>Functions whose calls mostly take long (a database call, a sleep, heavy computing) would be relieved on every call,
 * and the calls queued behind one would each wait a relief time to start. So each poller keeps a moving average of
 * how long its calls take, and while it is above {@value #DISPATCH_ABOVE_MICROS} µs it hands every ready connection to
 * a thread of the pool rather than serve it (as a selector with a worker pool does); below
 * {@value #INLINE_BELOW_MICROS} µs it serves inline again.
 *
 * <p>Idle connections are closed as {@link BlockingServer}'s are: by the watcher, once they waited for bytes longer
 * than the idle time.
 *
 * <p>Thread-safe. The accepting thread owns the listening channel. Each poller's selector and the selected keys are
 * owned by the thread that currently leads it; a change of leader happens under the poller's lock. A connection is
 * owned by the thread serving it: a poller's leader, or a relieved thread finishing its call. {@link #close}, from
 * any thread, closes connections and selectors only.
 */
public final class PollingServer implements Http1Server {
    /** A poller serving one call longer than this is relieved by another thread. */
    static final long RELIEF_MICROS = 2_000;
    /** The shortest sleep of the watcher between two looks while calls run: a call due now is relieved now. */
    private static final long MIN_PARK_NANOS = 50_000;
    /** How long the watcher keeps looking after the last call it saw, before it sleeps until a call wakes it. */
    static final long LINGER_MILLIS = 50;
    /** A poller whose calls last this long on average hands each to a thread of the pool instead of serving it inline. */
    static final long DISPATCH_ABOVE_MICROS = 1_000;
    /** ...and serves inline again once they last this little. */
    static final long INLINE_BELOW_MICROS = 400;

    private final ServerSocketChannel listener;
    private final HttpHandler handler;
    private final Poller[] pollers;
    private final ExecutorService threads;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final Thread watcher;
    private final long idleNanos;
    private volatile boolean watcherAsleep;
    private volatile boolean closed;

    private PollingServer(ServerSocketChannel listener, HttpHandler handler, String threadPrefix, long idleMillis, int pollerCount) throws IOException {
        this.listener = listener;
        this.handler = handler;
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        var factory = Thread.ofPlatform().name(threadPrefix, 0).daemon(true).factory();
        this.threads = Executors.newCachedThreadPool(task -> factory.newThread(() -> ChannelStreams.withWaiter(task)));
        this.pollers = new Poller[pollerCount];
        for (int i = 0; i < pollerCount; i++) pollers[i] = new Poller(Selector.open());
        // Not a daemon: the accepting thread is what keeps an instance's process alive until close().
        this.acceptor = Thread.ofPlatform().name(threadPrefix + "accept").unstarted(this::acceptLoop);
        this.watcher = Thread.ofPlatform().name(threadPrefix + "watch").daemon(true).unstarted(this::watch);
    }

    /** Binds {@code 127.0.0.1:port} (0 picks a free one) and starts accepting; requests go to {@code handler}. */
    public static PollingServer start(int port, HttpHandler handler, String threadPrefix) throws IOException {
        return start(port, handler, threadPrefix, BlockingServer.IDLE_MILLIS, Runtime.getRuntime().availableProcessors());
    }

    static PollingServer start(int port, HttpHandler handler, String threadPrefix, long idleMillis, int pollerCount) throws IOException {
        var listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        listener.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 1024);
        var server = new PollingServer(listener, handler, threadPrefix, idleMillis, Math.max(1, pollerCount));
        for (Poller poller : server.pollers) server.threads.execute(() -> poller.lead(0));
        server.acceptor.start();
        server.watcher.start();
        return server;
    }

    public int port() {
        return ((InetSocketAddress) listener.socket().getLocalSocketAddress()).getPort();
    }

    private void acceptLoop() {
        int next = 0;
        while (!closed) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException closedListener) {
                return;
            } catch (IOException e) {
                if (closed) return;
                System.err.println("tandem-runtime: accept failed: " + e.getMessage());
                continue;
            }
            if (open.size() >= BlockingServer.MAX_CONNECTIONS) {
                System.err.println("tandem-runtime: refusing a connection: " + BlockingServer.MAX_CONNECTIONS + " are open");
                closeQuietly(channel);
                continue;
            }
            try {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                closeQuietly(channel);
                continue;
            }
            var connection = new Connection(transport(channel), handler, open::remove);
            open.add(connection);
            pollers[next].adopt(connection, channel);
            next = (next + 1) % pollers.length;
            if (closed) connection.close();
        }
    }

    private static Connection.Transport transport(SocketChannel channel) {
        return new Connection.Transport() {
            @Override
            public InputStream input() {
                return ChannelStreams.input(channel);
            }

            @Override
            public OutputStream output() {
                return ChannelStreams.output(channel);
            }

            @Override
            public InetSocketAddress remoteAddress() {
                try {
                    return (InetSocketAddress) channel.getRemoteAddress();
                } catch (IOException e) {
                    return null;
                }
            }

            @Override
            public InetSocketAddress localAddress() {
                try {
                    return (InetSocketAddress) channel.getLocalAddress();
                } catch (IOException e) {
                    return null;
                }
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    /**
     * The watcher: relieves stuck pollers while calls run, closes idle connections every quarter of the idle time,
     * and sleeps when neither is due.
     *
     * <p>While calls run it sleeps until the earliest moment one of them could be due for relief: the relief time
     * after the start of the oldest call running, or a whole relief time when none runs (a call that starts meanwhile
     * is seen at the next look, and looked at again at its own due time). So a stuck call is relieved at its due time,
     * give or take the timer's slack, and a busy instance wakes its watcher at most once per relief time, not on a
     * fixed tick: every wake-up is a context switch, which under load costs the instance more than the look itself.
     */
    private void watch() {
        long relief = TimeUnit.MICROSECONDS.toNanos(RELIEF_MICROS);
        long linger = TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
        long idleEvery = Math.max(idleNanos / 4, TimeUnit.MILLISECONDS.toNanos(10));
        long now = System.nanoTime();
        long nextIdleCheck = now + idleEvery;
        long lastBusy = now;
        while (!closed) {
            now = System.nanoTime();
            long nextLook = now + relief;
            for (Poller poller : pollers) {
                long due = poller.relieveIfStuck(now, relief);
                if (due != 0) {
                    lastBusy = now;
                    if (due - nextLook < 0) nextLook = due;
                }
            }
            if (now - nextIdleCheck >= 0) {
                closeIdle(now);
                nextIdleCheck = now + idleEvery;
            }
            if (now - lastBusy < linger) {
                if (nextIdleCheck - nextLook < 0) nextLook = nextIdleCheck;
                LockSupport.parkNanos(this, Math.max(MIN_PARK_NANOS, nextLook - now));
                continue;
            }
            // Asleep until a call begins (Poller.begin wakes the watcher) or the idle check is due. The flag is set
            // before the pollers are looked at again, so a call that began meanwhile is seen here or wakes us.
            watcherAsleep = true;
            boolean calls = false;
            for (Poller poller : pollers) calls |= poller.serving();
            if (!calls && !closed) LockSupport.parkNanos(this, Math.max(0, nextIdleCheck - System.nanoTime()));
            watcherAsleep = false;
            lastBusy = System.nanoTime(); // look at least one linger's time after waking
        }
    }

    private void closeIdle(long now) {
        boolean any = false;
        for (Connection connection : open) {
            if (connection.idle(idleNanos, now)) {
                connection.close(); // a thread serving it sees the channel closed and stops
                any = true;
            }
        }
        if (any) {
            for (Poller poller : pollers) poller.selector.wakeup(); // a closed channel's descriptor is freed at the next select
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            LockSupport.unpark(watcher);
            open.forEach(Connection::close);
            for (Poller poller : pollers) poller.shutdown();
            threads.shutdownNow();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // refusing is all that was meant
        }
    }

    /**
     * One selector and the connections registered with it. Led by one thread at a time (the one whose generation
     * matches); the watcher may hand the lead to another thread while the leader is stuck in a call.
     */
    private final class Poller {
        final Selector selector;
        /** Connections accepted, or given back by a relieved thread, not yet registered (or re-armed) by the leader. */
        private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
        // Guarded by this: which lead is current, and the call it is serving.
        private long generation;
        private SelectionKey servingKey;
        private volatile long servingSince; // System.nanoTime() when the current call began; 0 when none runs
        /** A moving average of calls' durations in ns, updated by whichever thread ends a call (a lost update is harmless). */
        private volatile long averageNanos;
        /** Whether ready connections go to the pool's threads; changed only by the leader. */
        private boolean dispatching;

        Poller(Selector selector) {
            this.selector = selector;
        }

        void adopt(Connection connection, SocketChannel channel) {
            pending.add(() -> {
                try {
                    channel.register(selector, SelectionKey.OP_READ, connection);
                    connection.waiting(System.nanoTime());
                } catch (ClosedChannelException | java.nio.channels.CancelledKeyException gone) {
                    connection.close();
                }
            });
            selector.wakeup();
        }

        boolean serving() {
            return servingSince != 0;
        }

        /** The leader's loop: select, serve every ready connection inline, until relieved or the server closes. */
        void lead(long lead) {
            List<SelectionKey> ready = new ArrayList<>();
            try {
                while (!closed) {
                    for (Runnable task; (task = pending.poll()) != null; ) task.run();
                    Thread.interrupted(); // select returns at once while the flag is set
                    selector.select();
                    ready.addAll(selector.selectedKeys());
                    selector.selectedKeys().clear(); // owned by whoever leads next, should this lead end
                    dispatching = dispatching ? averageNanos > INLINE_BELOW_MICROS * 1_000 : averageNanos > DISPATCH_ABOVE_MICROS * 1_000;
                    for (SelectionKey key : ready) {
                        if (!key.isValid()) continue;
                        Connection connection = (Connection) key.attachment();
                        if (dispatching) {
                            dispatch(key, connection);
                            continue;
                        }
                        if (!begin(lead, key)) return; // relieved between two calls: the new leader selects them again
                        boolean keep = connection.serveArrived();
                        if (!end(lead, key, connection, keep)) return;
                    }
                    ready.clear();
                }
            } catch (ClosedSelectorException shutDown) {
                // the server closed
            } catch (IOException e) {
                if (!closed) System.err.println("tandem-runtime: a poller stopped, its connections are lost: " + e);
            }
        }

        /** Serves a ready connection on a thread of the pool; it comes back to the selector when its calls are answered. */
        private void dispatch(SelectionKey key, Connection connection) {
            try {
                key.interestOps(0); // by the leader, so in force from its next select: no one else serves the connection
            } catch (java.nio.channels.CancelledKeyException closedMeanwhile) {
                return; // the idle check or shutdown closed it since the select
            }
            connection.busy();
            try {
                threads.execute(() -> {
                    long start = System.nanoTime();
                    boolean keep = connection.serveArrived();
                    long now = System.nanoTime();
                    record(now - start);
                    if (keep) {
                        connection.waiting(now);
                        rearm(key);
                    }
                });
            } catch (RejectedExecutionException shuttingDown) {
                connection.close();
            }
        }

        private void record(long nanos) {
            averageNanos += (nanos - averageNanos) / 8;
        }

        /** Gives a connection served off the poller back to its selector; any thread. */
        private void rearm(SelectionKey key) {
            pending.add(() -> {
                try {
                    key.interestOps(SelectionKey.OP_READ);
                } catch (java.nio.channels.CancelledKeyException closedMeanwhile) {
                    // the idle check or shutdown closed it
                }
            });
            selector.wakeup();
        }

        private synchronized boolean begin(long lead, SelectionKey key) {
            if (lead != generation) return false;
            servingKey = key;
            ((Connection) key.attachment()).busy();
            servingSince = System.nanoTime() | 1; // never 0 while a call runs
            if (watcherAsleep) LockSupport.unpark(watcher);
            return true;
        }

        /** Ends a call; false when this lead was relieved meanwhile, the connection having been given back. */
        private synchronized boolean end(long lead, SelectionKey key, Connection connection, boolean keep) {
            long now = System.nanoTime();
            record(now - servingSince);
            servingSince = 0;
            servingKey = null;
            if (keep) connection.waiting(now);
            if (lead == generation) return true;
            // Relieved: the watcher took the connection off the selector's interest; give it back to the new leader.
            if (keep) rearm(key);
            return false;
        }

        /**
         * Hands the lead to another thread if the current call has run too long. Returns when the call running now is
         * due for relief ({@code now} once relieved: a call still runs), or 0 when no call runs.
         */
        synchronized long relieveIfStuck(long now, long relief) {
            long since = servingSince;
            if (since == 0) return 0;
            if (servingKey == null) return now + relief; // this call was relieved already; look again later
            if (now - since < relief) return since + relief;
            try {
                servingKey.interestOps(0); // the stuck thread keeps this connection until its call is answered
            } catch (java.nio.channels.CancelledKeyException closedMeanwhile) {
                // nothing to keep from the new leader
            }
            servingKey = null; // relieved once per call
            long lead = ++generation;
            try {
                threads.execute(() -> lead(lead));
            } catch (RejectedExecutionException shuttingDown) {
                // the server closed
            }
            return now + relief;
        }

        void shutdown() {
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing is all that was left to do
            }
        }
    }
}
