package io.tandem.runtime;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.function.LongSupplier;

/**
 * The control line: a loopback TCP port on which the executor probes the instance and renews its lease, one short
 * line each way, on a connection it keeps open (docs/instance-protocol.md). The active is probed ten times a second;
 * over HTTP each probe cost the instance a hop from the server's dispatcher thread to a request thread and back, and
 * the executor an HTTP request; on this line it costs one read and one write on a thread that does nothing else.
 * Its port is announced in the {@code /_/health} answer; a prober that cannot use it probes over HTTP instead.
 *
 * <pre>
 *   hello SECRET                    -> ok | denied (and the line closes)
 *   probe                           -> ok
 *   lease EPOCH MILLIS ISSUED_MS    -> ok | stale HELD_EPOCH | bad WHY
 * </pre>
 *
 * <p>Threads: one accepting thread, and one thread per open connection that reads a line and writes its answer.
 * A connection that does not say hello with the instance's secret within {@value #HELLO_TIMEOUT_MS} ms is closed;
 * at most {@value #MAX_CONNECTIONS} are open at once, so nobody can exhaust the instance's threads through it.
 */
final class ControlLine implements AutoCloseable {
    static final int MAX_CONNECTIONS = 8;
    static final int HELLO_TIMEOUT_MS = 2_000;
    /** A connection idle this long is closed: the prober writes at least every few seconds. */
    static final int IDLE_TIMEOUT_MS = 10 * 60_000;
    private static final int MAX_LINE = 512;

    private final ServerSocket server;
    private final Secret secret;
    private final Lease lease;
    private final LongSupplier wallMillis;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);

    private ControlLine(ServerSocket server, Secret secret, Lease lease, LongSupplier wallMillis) {
        this.server = server;
        this.secret = secret;
        this.lease = lease;
        this.wallMillis = wallMillis;
    }

    /** Binds a free loopback port and starts accepting. */
    static ControlLine open(Secret secret, Lease lease) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), MAX_CONNECTIONS);
        ControlLine line = new ControlLine(server, secret, lease, System::currentTimeMillis);
        Thread.ofPlatform().daemon().name("tandem-control-accept").start(line::acceptLoop);
        return line;
    }

    int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (!slots.tryAcquire()) {
                closeQuietly(socket);
                continue;
            }
            Thread.ofPlatform().daemon().name("tandem-control").start(() -> {
                try (socket) {
                    serve(socket);
                } catch (IOException ignored) {
                    // the prober went away or sent garbage: its connection ends, the instance goes on
                } finally {
                    slots.release();
                }
            });
        }
    }

    private void serve(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(HELLO_TIMEOUT_MS);
        InputStream in = new BufferedInputStream(socket.getInputStream(), MAX_LINE);
        OutputStream out = socket.getOutputStream();
        String hello;
        try {
            hello = readLine(in);
        } catch (SocketTimeoutException e) {
            return;
        }
        if (hello == null || !hello.startsWith("hello ") || !secret.admits(hello.substring("hello ".length()))) {
            out.write("denied\n".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        out.write("ok\n".getBytes(StandardCharsets.US_ASCII));
        socket.setSoTimeout(IDLE_TIMEOUT_MS);
        for (String line = readLine(in); line != null; line = readLine(in)) {
            out.write((answer(line) + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** One line, or null at the end of the stream; a line longer than {@link #MAX_LINE} ends the connection. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) return line.isEmpty() ? null : line.toString();
            if (line.length() == MAX_LINE) throw new IOException("control line too long");
            line.append((char) b);
        }
        return line.toString();
    }

    /** The answer to one line after hello. */
    String answer(String line) {
        if (line.equals("probe")) return "ok";
        String[] words = line.split(" ");
        if (words.length != 4 || !words[0].equals("lease")) return "bad expected 'probe' or 'lease EPOCH MILLIS ISSUED_MS'";
        long epoch;
        long millis;
        long issued;
        try {
            epoch = Long.parseLong(words[1]);
            millis = Long.parseLong(words[2]);
            issued = Long.parseLong(words[3]);
        } catch (NumberFormatException e) {
            return "bad epoch, lease and issue time must be whole numbers";
        }
        return lease.renew(epoch, millis, issued, wallMillis.getAsLong()) ? "ok" : "stale " + lease.epoch();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
