package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** The failover benchmark's load against a real, slow HTTP server on this machine. */
class RateLoadTest {
    @Test
    void keepsSendingOnScheduleWhileTheAnswersAreSlow() throws Exception {
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slow.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        slow.createContext("/", exchange -> {
            try {
                Thread.sleep(500); // every answer takes longer than the gap between two requests
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseHeaders().add("X-Tandem-Attempts", "2");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        slow.start();
        List<RateLoad.Sample> samples;
        try (RateLoad load = new RateLoad()) {
            URI target = URI.create("http://127.0.0.1:" + slow.getAddress().getPort() + "/hello");
            samples = load.run(target, 20, Duration.ofSeconds(2), Duration.ofSeconds(10), System.nanoTime());
        } finally {
            slow.stop(0);
        }

        assertThat(samples).hasSize(40).allSatisfy(s -> {
            assertThat(s.status()).isEqualTo(200);
            assertThat(s.attempts()).isEqualTo(2);
        });
        assertThat(samples).isSortedAccordingTo((a, b) -> Long.compare(a.sentNanos(), b.sentNanos()));
        // A closed loop of one would need 40 x 500 ms; on schedule the last request leaves at about 1.95 s.
        assertThat(samples.getLast().sentNanos()).isLessThan(Duration.ofSeconds(10).toNanos());
        assertThat(samples.getLast().sentNanos()).isGreaterThanOrEqualTo(Duration.ofMillis(1900).toNanos());
    }
}
