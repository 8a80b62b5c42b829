package io.tandem.runtime.http;

import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The instance's HTTP/1.1 server: a thread per connection, blocking reads and writes, the handler run on the
 * connection's own thread.
 *
 * <p>Why not the JDK's {@code com.sun.net.httpserver}: it reads every request on one dispatcher thread, hands it to
 * the executor, and registers the connection with its selector again after each response. Under load from the
 * router that one thread was the instance's bottleneck (it used 80% of a core at 20,000 calls/s while the handlers
 * were cheap). Here a call costs one read and one write on its connection's thread and no hand-off; the router
 * keeps a bounded pool of connections to an instance, so a thread each is cheap.
 *
 * <p>Threads are platform threads, not virtual ones: virtual threads are not preempted, so CPU-bound calls on every
 * carrier would leave the health check unanswered and a busy instance would look dead to the prober that decides
 * failovers. The kernel schedules platform threads fairly.
 *
 * <p>Idle connections: a connection whose thread has waited longer than the idle time for the peer's next bytes
 * (between requests, or inside one) is closed by the thread {@code <prefix>idle}, which looks every quarter of that
 * time. Sockets have no read timeout of their own: see {@link ConnectionInput}.
 *
 * <p>Thread-safe. The accepting thread owns the listening socket; each connection's thread owns its connection;
 * the idle thread and {@link #close}, from any thread, only close connections.
 */
public final class BlockingServer implements Http1Server {
    /** The router closes idle connections after 60 s; the instance waits longer, so it is never the one to close them. */
    static final int IDLE_MILLIS = 120_000;
    /** Connections past this many are refused: the router's pool toward one instance is far smaller. */
    static final int MAX_CONNECTIONS = 4096;

    private final ServerSocket listener;
    private final HttpHandler handler;
    private final ExecutorService threads;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final Thread idleCheck;
    private final long idleNanos;
    private volatile boolean closed;

    private BlockingServer(ServerSocket listener, HttpHandler handler, String threadPrefix, long idleMillis) {
        this.listener = listener;
        this.handler = handler;
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        this.threads = Executors.newCachedThreadPool(Thread.ofPlatform().name(threadPrefix, 0).daemon(true).factory());
        // Not a daemon: the accepting thread is what keeps an instance's process alive until close().
        this.acceptor = Thread.ofPlatform().name(threadPrefix + "accept").unstarted(this::acceptLoop);
        this.idleCheck = Thread.ofPlatform().name(threadPrefix + "idle").daemon(true).unstarted(this::closeIdleLoop);
    }

    /** Binds {@code 127.0.0.1:port} (0 picks a free one) and starts accepting; requests go to {@code handler}. */
    public static BlockingServer start(int port, HttpHandler handler, String threadPrefix) throws IOException {
        return start(port, handler, threadPrefix, IDLE_MILLIS);
    }

    static BlockingServer start(int port, HttpHandler handler, String threadPrefix, long idleMillis) throws IOException {
        var listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 1024);
        var server = new BlockingServer(listener, handler, threadPrefix, idleMillis);
        server.acceptor.start();
        server.idleCheck.start();
        return server;
    }

    public int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (SocketException closedListener) {
                return;
            } catch (IOException e) {
                if (closed) return;
                System.err.println("tandem-runtime: accept failed: " + e.getMessage());
                continue;
            }
            serve(socket);
        }
    }

    private void closeIdleLoop() {
        long every = Math.max(idleNanos / 4, TimeUnit.MILLISECONDS.toNanos(10));
        while (!closed) {
            LockSupport.parkNanos(this, every);
            long now = System.nanoTime();
            for (Connection connection : open) {
                if (connection.idle(idleNanos, now)) connection.close(); // its thread sees the socket closed and ends
            }
        }
    }

    private void serve(Socket socket) {
        if (open.size() >= MAX_CONNECTIONS) {
            System.err.println("tandem-runtime: refusing a connection: " + MAX_CONNECTIONS + " are open");
            closeQuietly(socket);
            return;
        }
        var connection = new Connection(Connection.socket(socket), handler, open::remove);
        open.add(connection);
        try {
            threads.execute(connection);
        } catch (RejectedExecutionException shuttingDown) {
            open.remove(connection);
            closeQuietly(socket);
        }
        if (closed) connection.close();
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            LockSupport.unpark(idleCheck);
            open.forEach(Connection::close);
            threads.shutdownNow();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // refusing is all that was meant
        }
    }
}
