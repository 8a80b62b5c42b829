package io.tandem.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Slow-header clients are cut at the head deadline while normal and long calls go on: real sockets, a real server. */
class HeadDeadlineTest {
    private static final Duration HEAD = Duration.ofMillis(500);
    private static final Duration KEEP_ALIVE = Duration.ofMillis(800);

    private Vertx vertx;
    private HttpServer server;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer(HeadDeadline.options());
        server.requestHandler(HeadDeadline.install(vertx, server, HEAD, KEEP_ALIVE, req -> {
            if (req.path().equals("/slow")) vertx.setTimer(1_500, id -> req.response().end("late"));
            else req.response().end("ok");
        }));
        server.listen(0, "127.0.0.1").await();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.actualPort());
        s.setSoTimeout(10_000);
        return s;
    }

    /** Reads until the server closes the connection; what it sent meanwhile. */
    private static String readToClose(InputStream in) throws IOException {
        var out = new StringBuilder();
        byte[] buf = new byte[4096];
        try {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) out.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
        } catch (SocketException reset) {
            // closed with a reset: closed all the same
        }
        return out.toString();
    }

    @Test
    void aClientThatTricklesItsHeadersIsCutAtTheDeadlineWhileOthersAreServed() throws Exception {
        try (Socket slow = connect()) {
            OutputStream out = slow.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            // One header byte every 100 ms: an idle timeout would never fire.
            Thread trickle = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 100; i++) {
                        out.write('X');
                        out.flush();
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException cut) {
                    // the server closed the connection
                }
            });
            HttpResponse<String> normal = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(normal.body()).isEqualTo("ok");
            assertThat(readToClose(slow.getInputStream())).doesNotContain("200");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            trickle.interrupt();
        }
    }

    @Test
    void aCallInProgressIsNeverCutAndTheConnectionStaysForTheKeepAliveWindow() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String first = readAnswer(in);
            assertThat(first).startsWith("HTTP/1.1 200").endsWith("late");
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readAnswer(in)).startsWith("HTTP/1.1 200").endsWith("ok");
            // Idle past the keep-alive window: closed.
            assertThat(readToClose(in)).isEmpty();
        }
    }

    /** One answer with a Content-Length body. */
    private static String readAnswer(InputStream in) throws IOException {
        var head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("closed after " + head);
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
        }
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.US_ASCII);
    }
}
