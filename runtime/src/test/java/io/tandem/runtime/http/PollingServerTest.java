package io.tandem.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every behaviour {@link BlockingServerTest} asks of the thread-per-connection server, asked of the polling one; and
 * what only the polling one must get right: a poller relieved from a call that blocks, and interrupts that outlive
 * their call. Those run on one poller, so every connection shares the thread that got stuck.
 */
class PollingServerTest extends BlockingServerTest {
    @Override
    Http1Server start(String threadPrefix, long idleMillis) throws IOException {
        return PollingServer.start(0, BlockingServerTest::handle, threadPrefix, idleMillis, 2);
    }

    private static void answer(HttpExchange exchange, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static Socket connect(Http1Server server) throws IOException {
        var socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    @Test
    void aCallThatBlocksHoldsUpNoOtherConnectionOfItsPollerAndItsOwnIsServedAgainAfter() throws Exception {
        var entered = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        try (var server = PollingServer.start(0, exchange -> {
                 if (exchange.getRequestURI().getPath().equals("/block")) {
                     entered.countDown();
                     try {
                         release.await(30, TimeUnit.SECONDS);
                     } catch (InterruptedException e) {
                         Thread.currentThread().interrupt();
                     }
                 }
                 answer(exchange, exchange.getRequestURI().getPath());
             }, "test-relief-", BlockingServer.IDLE_MILLIS, 1);
             var blocked = connect(server);
             var other = connect(server)) {
            send(blocked, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 3; i++) {
                send(other, "GET /quick HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(readResponse(other.getInputStream()).body()).as("answered while /block still runs").isEqualTo("/quick");
            }
            release.countDown();
            assertThat(readResponse(blocked.getInputStream()).body()).isEqualTo("/block");
            send(blocked, "GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(blocked.getInputStream()).body()).as("the relieved connection, given back to its poller").isEqualTo("/again");
            send(other, "GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(other.getInputStream()).body()).isEqualTo("/after");
        }
    }

    @Test
    void anInterruptLeftByACallReachesNeitherThePollerNorTheNextCall() throws Exception {
        try (var server = PollingServer.start(0, exchange -> {
                 switch (exchange.getRequestURI().getPath()) {
                     case "/interrupt" -> {
                         Thread.currentThread().interrupt(); // as the runtime's watchdog does to a call past its timeout
                         answer(exchange, "interrupted");
                     }
                     case "/sleep" -> {
                         try {
                             Thread.sleep(5);
                             answer(exchange, "slept");
                         } catch (InterruptedException e) {
                             answer(exchange, "woken by an interrupt");
                         }
                     }
                     default -> answer(exchange, "ok");
                 }
             }, "test-interrupt-", BlockingServer.IDLE_MILLIS, 1);
             var socket = connect(server);
             var other = connect(server)) {
            send(socket, "GET /interrupt HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(socket.getInputStream()).body()).isEqualTo("interrupted");
            send(other, "GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(other.getInputStream()).body()).isEqualTo("slept");
            send(socket, "GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(socket.getInputStream()).body()).isEqualTo("slept");
        }
    }

    @Test
    void concurrentClientsWhoseCallsSometimesBlockEachGetTheirOwnAnswer() throws Exception {
        try (var server = PollingServer.start(0, exchange -> {
                 byte[] body = exchange.getRequestBody().readAllBytes();
                 if (exchange.getRequestURI().getQuery() != null) {
                     try {
                         Thread.sleep(4); // past the relief time: the poller is handed on
                     } catch (InterruptedException e) {
                         Thread.currentThread().interrupt();
                     }
                 }
                 exchange.sendResponseHeaders(200, body.length);
                 try (OutputStream out = exchange.getResponseBody()) {
                     out.write(body);
                 }
             }, "test-mixed-", BlockingServer.IDLE_MILLIS, 1)) {
            eachGetsItsOwnAnswer(12, 60, (client, call) ->
                    URI.create("http://127.0.0.1:" + server.port() + "/echo" + (call % 4 == client % 4 ? "?slow" : "")));
        }
    }

    @Test
    void callsThatWaitForEachOtherAllRunAtOnceOnOnePoller() throws Exception {
        int calls = 8;
        var together = new CountDownLatch(calls);
        try (var server = PollingServer.start(0, exchange -> {
                 together.countDown();
                 boolean all;
                 try {
                     all = together.await(20, TimeUnit.SECONDS); // only if every call is in a handler at once
                 } catch (InterruptedException e) {
                     Thread.currentThread().interrupt();
                     all = false;
                 }
                 answer(exchange, all ? "together" : "alone");
             }, "test-together-", BlockingServer.IDLE_MILLIS, 1)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI uri = URI.create("http://127.0.0.1:" + server.port() + "/wait");
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < calls; i++) answers.add(client.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
            for (var answer : answers) assertThat(answer.get(30, TimeUnit.SECONDS).body()).isEqualTo("together");
        }
    }

    /**
     * A busy instance wakes its watcher at most about once per relief time, not on a tick of its own: quick calls one
     * after another for a while, and the watcher's voluntary context switches (each one a wake-up) counted from
     * /proc. A watcher that looked every millisecond switched about twice as often as this allows.
     */
    @Test
    void whileQuickCallsRunTheWatcherWakesAboutOncePerReliefTime() throws Exception {
        try (var server = PollingServer.start(0, exchange -> answer(exchange, "quick"), "wq-", BlockingServer.IDLE_MILLIS, 1);
             var socket = connect(server)) {
            send(socket, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(socket.getInputStream()).body()).isEqualTo("quick");
            Path watcher = threadNamed("wq-watch");
            long before = wakeUps(watcher);
            long start = System.nanoTime();
            while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(400)) {
                send(socket, "GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(readResponse(socket.getInputStream()).body()).isEqualTo("quick");
            }
            long elapsedMicros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
            long woke = wakeUps(watcher) - before;
            assertThat(woke).as("watcher wake-ups in %d µs of calls", elapsedMicros).isLessThanOrEqualTo(elapsedMicros / PollingServer.RELIEF_MICROS + 10);
        }
    }

    /** The /proc directory of this process's thread named {@code name}. */
    private static Path threadNamed(String name) throws IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().equals(name)) return task;
                } catch (java.nio.file.NoSuchFileException ended) {
                    // a thread that ended while we looked
                }
            }
        }
        throw new AssertionError("no thread named " + name);
    }

    private static long wakeUps(Path task) throws IOException {
        for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
        }
        throw new AssertionError(task + "/status has no voluntary_ctxt_switches");
    }
}
