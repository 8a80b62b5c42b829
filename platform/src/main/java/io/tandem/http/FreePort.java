package io.tandem.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A free TCP port for a process that binds it later (an instance, the controller's JVM).
 *
 * <p>A port the kernel hands out for {@code bind(0)} comes from its ephemeral range, the same range it draws the
 * local port of every outgoing connection from. Between the probe and the real bind, any connection this machine
 * opens may take it, and the bind then fails with "address in use". Ports below the ephemeral range are never
 * handed out that way, so they are chosen from there (probed free at random), and only when that range is too small
 * to be worth it from the ephemeral range.
 */
public final class FreePort {
    /** Below this, ports are left to well-known services. */
    static final int LOWEST = 10_000;
    private static final int ATTEMPTS = 64;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private FreePort() {
    }

    /** A port free on {@code host} now, outside the kernel's ephemeral range when it can be. */
    public static int on(InetAddress host) throws IOException {
        int below = ephemeralLow();
        if (below - LOWEST >= 1_000) {
            for (int i = 0; i < ATTEMPTS; i++) {
                int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
                if (free(host, port)) return port;
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, host)) {
            return s.getLocalPort();
        }
    }

    /** A port free on the loopback address now. */
    public static int loopback() throws IOException {
        return on(InetAddress.getLoopbackAddress());
    }

    private static boolean free(InetAddress host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(host, port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of the ephemeral range; Linux's default when the range cannot be read. */
    static int ephemeralLow() {
        // Not Files.readString: it trusts the size procfs reports and reads the first byte only.
        try (BufferedReader in = Files.newBufferedReader(EPHEMERAL_RANGE)) {
            String[] range = in.readLine().trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
