package io.tandem.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreePortTest {
    @Test
    void aPortComesFromBelowTheEphemeralRangeAndCanBeBound() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int i = 0; i < 20; i++) {
            int port = FreePort.loopback();
            assertThat(port).isBetween(FreePort.LOWEST, FreePort.ephemeralLow() - 1);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(loopback, port));
            }
        }
    }

    @Test
    void outgoingConnectionsNeverTakeAChosenPort() throws Exception {
        // Many connections draw local ports from the ephemeral range; none of them lands on a port chosen here.
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket listener = new ServerSocket(0, 200, loopback)) {
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 100; i++) {
                    Socket c = new Socket(loopback, listener.getLocalPort());
                    clients.add(c);
                    assertThat(c.getLocalPort()).isGreaterThanOrEqualTo(FreePort.ephemeralLow());
                }
                int port = FreePort.loopback();
                assertThat(clients).noneMatch(c -> c.getLocalPort() == port);
            } finally {
                for (Socket c : clients) c.close();
            }
        }
    }

    @Test
    void theEphemeralRangeIsReadFromTheKernel() {
        assertThat(FreePort.ephemeralLow()).isBetween(1024, 65535);
    }
}
