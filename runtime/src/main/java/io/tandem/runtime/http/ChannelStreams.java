package io.tandem.runtime.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * Blocking streams over a non-blocking socket channel, for {@link PollingServer}'s connections: the channel stays
 * registered with its poller's selector (which requires non-blocking mode) while a handler reads and writes it as
 * streams. A read that finds no bytes, or a write the socket's buffer cannot take, waits on a selector of the calling
 * thread's own, so any thread a handler starts may use the streams too.
 *
 * <p>A selector holds file descriptors until closed, and nothing closes one a dead thread left behind: so only the
 * server's own threads keep one ({@link #withWaiter}), and any other thread (one a handler started) opens one for
 * each wait and closes it after.
 *
 * <p>The usual call never waits: the poller hands over a connection whose request has arrived, and a small response
 * fits the socket's buffer. Waiting is for bodies that come or go in parts.
 */
final class ChannelStreams {
    /** How long one wait lasts before it looks again whether the channel was closed meanwhile (idle, or shutdown). */
    private static final long RECHECK_MILLIS = 1_000;
    /** The selector a server thread waits on, kept for the thread's life; other threads open one per wait. */
    private static final ThreadLocal<Selector> WAITERS = new ThreadLocal<>();

    private ChannelStreams() {
    }

    /** Runs {@code body} with a selector kept for the calling thread's waits, closed when it returns. */
    static void withWaiter(Runnable body) {
        try (Selector own = Selector.open()) {
            WAITERS.set(own);
            try {
                body.run();
            } finally {
                WAITERS.remove();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static InputStream input(SocketChannel channel) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) return 0;
                ByteBuffer into = ByteBuffer.wrap(b, off, len);
                while (true) {
                    int n = channel.read(into);
                    if (n != 0) return n;
                    await(channel, SelectionKey.OP_READ);
                }
            }
        };
    }

    static OutputStream output(SocketChannel channel) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer from = ByteBuffer.wrap(b, off, len);
                while (from.hasRemaining()) {
                    if (channel.write(from) == 0) await(channel, SelectionKey.OP_WRITE);
                }
            }
        };
    }

    /**
     * Waits until {@code channel} is ready for {@code operation}, on the calling thread's own selector; the channel is
     * registered with it only for the wait, so a closed channel's descriptor is not held open by a selector no one
     * selects on.
     */
    private static void await(SocketChannel channel, int operation) throws IOException {
        Selector own = WAITERS.get();
        if (own != null) {
            await(own, channel, operation);
            return;
        }
        try (Selector once = Selector.open()) {
            await(once, channel, operation);
        }
    }

    private static void await(Selector waiter, SocketChannel channel, int operation) throws IOException {
        SelectionKey key;
        try {
            key = channel.register(waiter, operation);
        } catch (java.nio.channels.CancelledKeyException e) {
            waiter.selectNow(); // a key of an earlier wait not yet deregistered: flush it and retry once
            key = channel.register(waiter, operation);
        }
        try {
            while (waiter.select(RECHECK_MILLIS) == 0) {
                if (!channel.isOpen()) throw new ClosedChannelException();
                if (Thread.currentThread().isInterrupted()) throw new java.io.InterruptedIOException("interrupted waiting on " + channel);
            }
            waiter.selectedKeys().clear();
        } finally {
            key.cancel();
            waiter.selectNow(); // deregisters at once
        }
    }
}
