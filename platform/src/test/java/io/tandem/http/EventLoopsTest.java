package io.tandem.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.uring.IoUring;
import io.tandem.http.EventLoops.Load;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.transport.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventLoopsTest {
    private static boolean x86Linux() {
        return System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64");
    }

    @Test
    void unsetTheRouterTakesTheBestTransportTheMachineAllowsAndControlTrafficEpoll() {
        Assumptions.assumeTrue(x86Linux(), "the native libraries are shipped for x86-64 Linux only");
        Transport chosen = EventLoops.transport(Load.CALLS, Map.of()); // first: EventLoops sets Netty's switches before io_uring is looked at
        Transport best = Transport.IO_URING.available() ? Transport.IO_URING : Transport.EPOLL;
        assertThat(chosen).isEqualTo(best);
        assertThat(EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, "true"))).isEqualTo(best);
        assertThat(EventLoops.transport(Load.CONTROL, Map.of())).as("control traffic does not pay for io_uring's rings").isEqualTo(Transport.EPOLL);
        assertThat(EventLoops.transport(Load.CONTROL, Map.of(EventLoops.VARIABLE, "io_uring"))).isEqualTo(best);
        assertThat(EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, "epoll"))).isEqualTo(Transport.EPOLL);
    }

    @Test
    void nioIsAlwaysThere() {
        assertThat(EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, "nio"))).isEqualTo(Transport.NIO);
        assertThat(EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, "false"))).isEqualTo(Transport.NIO);
    }

    @Test
    void anUnknownTransportIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, "kqueue-please")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TANDEM_NATIVE_TRANSPORT=kqueue-please").hasMessageContaining("io_uring, epoll or nio");
    }

    /**
     * Idle event loops on io_uring are not counted as tasks waiting for a disk. Counted so, the loop that accepts and
     * the loop that holds an open connection, each waiting on its ring for a read, keep the kernel's count of blocked
     * tasks ({@code procs_blocked} in /proc/stat) at two or more for as long as they idle; here it stays below two.
     */
    @Test
    void idleLoopsOnIoUringAreNotCountedAsWaitingForADisk() throws Exception {
        Transport transport = EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, "io_uring"));
        Assumptions.assumeTrue(transport == Transport.IO_URING, "io_uring is not available here");
        Assumptions.assumeTrue(IoUring.featureString().contains("ENTER_NO_IOWAIT_SUPPORTED=true"), "this kernel counts every io_uring wait as iowait");
        assertThat(IoUring.isIoringEnterNoIoWaitEnabled()).isTrue();
        Vertx vertx = EventLoops.create(new VertxOptions(), transport);
        try (Socket idle = new Socket()) {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1")).requestHandler(r -> r.response().end("idle"));
            server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            idle.connect(new InetSocketAddress("127.0.0.1", server.actualPort()));
            // Idle, the loops are counted at every look; a look while one is awake (accepting) sees it uncounted. So
            // what is asked for is a run of looks, over a fifth of a second, that all see fewer than two.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int quietLooks = 0;
            int blocked = 0;
            while (quietLooks < 20 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // sampling a counter: nothing to wait on
                blocked = blockedTasks();
                quietLooks = blocked < 2 ? quietLooks + 1 : 0;
            }
            assertThat(quietLooks).as("looks in a row that saw fewer than two tasks blocked, the last saw %d", blocked).isEqualTo(20);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static int blockedTasks() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("procs_blocked ")) return Integer.parseInt(line.substring("procs_blocked ".length()).trim());
        }
        throw new IllegalStateException("/proc/stat has no procs_blocked line");
    }

    /** Each transport, where the machine has it, serves and makes HTTP calls, as the router does on it. */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void eachTransportServes(String name) throws Exception {
        Transport transport = EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, name));
        Assumptions.assumeTrue(transport.name().equalsIgnoreCase(name), name + " is not available here");
        Vertx vertx = EventLoops.create(new VertxOptions(), transport);
        try {
            assertThat(vertx.isNativeTransportEnabled()).isEqualTo(transport != Transport.NIO);
            HttpServer server = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> r.response().end("pong " + r.path() + " " + b.length())))
                    .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            HttpClient client = vertx.createHttpClient();
            String large = "x".repeat(1 << 20);
            for (String body : new String[]{"", large}) {
                String answer = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(server.actualPort()).setURI("/x"))
                        .compose(req -> req.send(body).compose(resp -> resp.body()))
                        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString();
                assertThat(answer).isEqualTo("pong /x " + body.length());
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
