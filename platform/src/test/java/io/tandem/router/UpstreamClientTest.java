package io.tandem.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tandem.http.EventLoops;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The router's client to instances: an instance that resets an idle pooled connection is no error in the log. */
class UpstreamClientTest {

    @Test
    void anIdleConnectionTheInstanceResetsLeavesThePoolWithoutAnErrorLine() throws Exception {
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(seen);
        Logger router = (Logger) LoggerFactory.getLogger(ServerVerticle.class);
        Level before = router.getLevel();
        router.setLevel(Level.DEBUG);
        Vertx vertx = EventLoops.create(EventLoops.Load.CALLS);
        CountDownLatch reset = new CountDownLatch(1);
        try (ServerSocket instance = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // An instance that answers one call, then is killed: the kernel resets the connection it leaves.
            Thread.ofPlatform().start(() -> {
                try (Socket c = instance.accept()) {
                    InputStream in = c.getInputStream();
                    byte[] head = new byte[4096];
                    int n = in.read(head);
                    assertThat(new String(head, 0, n, StandardCharsets.ISO_8859_1)).startsWith("GET /");
                    c.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                    c.getOutputStream().flush();
                    c.setSoLinger(true, 0);
                    reset.countDown();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            HttpClient client = ServerVerticle.upstreamClient(vertx, RouterConfig.defaults());
            String body = client.request(HttpMethod.GET, instance.getLocalPort(), "127.0.0.1", "/")
                    .compose(r -> r.send().compose(HttpClientResponse::body))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString();
            assertThat(body).isEqualTo("ok");
            assertThat(reset.await(10, TimeUnit.SECONDS)).isTrue();

            // The reset reaches the idle connection: a debug line of the router's, and no error line of anyone's. On a
            // busy machine the kernel may hand the client the close without the reset, which logs nothing at all:
            // then the wait ends at its bound, and what is asserted still holds (no error line).
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> seen.list.stream()
                        .anyMatch(e -> e.getLoggerName().equals(ServerVerticle.class.getName()) || e.getLevel().isGreaterOrEqual(Level.ERROR)));
            } catch (org.awaitility.core.ConditionTimeoutException closedWithoutReset) {
                // nothing was logged, which is no error line either
            }
            assertThat(seen.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.ERROR)).as("error lines").isEmpty();
        } finally {
            root.detachAppender(seen);
            router.setLevel(before);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
