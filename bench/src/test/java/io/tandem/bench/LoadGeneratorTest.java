package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {
    private HttpServer server;
    /** When each request arrived (System.nanoTime()), in order. */
    private final List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            arrivals.add(System.nanoTime());
            byte[] body = "hello\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/fail") ? 500 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void pacedCallsGoOneAtATimeWithTheGapBetweenAnAnswerAndTheNextCall() throws Exception {
        try (LoadGenerator load = new LoadGenerator()) {
            LoadGenerator.Result result = load.paced(uri("/"), 6, Duration.ofMillis(15));

            assertThat(result.requests()).isEqualTo(6);
            assertThat(result.errors()).isZero();
            assertThat(result.latencyMicros().getTotalCount()).isEqualTo(6);
            assertThat(arrivals).hasSize(6);
            for (int i = 1; i < arrivals.size(); i++) {
                // The next call leaves a gap after the previous answer, which came after the previous arrival.
                assertThat(arrivals.get(i) - arrivals.get(i - 1)).as("between calls %d and %d", i - 1, i)
                        .isGreaterThanOrEqualTo(Duration.ofMillis(15).toNanos());
            }
        }
    }

    @Test
    void aPacedCallAnsweredWithAnErrorIsCountedAsOneAndTheCallsGoOn() throws Exception {
        try (LoadGenerator load = new LoadGenerator()) {
            LoadGenerator.Result result = load.paced(uri("/fail"), 3, Duration.ofMillis(1));

            assertThat(result.requests()).isZero();
            assertThat(result.errors()).isEqualTo(3);
            assertThat(arrivals).hasSize(3);
        }
    }
}
