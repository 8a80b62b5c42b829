package io.tandem.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The instance's HTTP/1.1 server, spoken to over raw sockets where framing matters and by a real client elsewhere. */
class BlockingServerTest {
    private Http1Server server;

    /** The server under test on a free port; {@code idleMillis} is how long a connection may wait for bytes. */
    Http1Server start(String threadPrefix, long idleMillis) throws IOException {
        return BlockingServer.start(0, BlockingServerTest::handle, threadPrefix, idleMillis);
    }

    @BeforeEach
    void start() throws IOException {
        server = start("test-http-", BlockingServer.IDLE_MILLIS);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** /echo answers the body; /stream?n=K sends K chunks of 1 KiB; /throw fails after the status; /ignore reads nothing. */
    static void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        switch (path) {
            case "/echo" -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("X-Method", exchange.getRequestMethod());
                exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            case "/stream" -> {
                int n = Integer.parseInt(exchange.getRequestURI().getQuery().substring(2));
                exchange.sendResponseHeaders(200, 0);
                byte[] kib = new byte[1024];
                Arrays.fill(kib, (byte) 'x');
                try (OutputStream out = exchange.getResponseBody()) {
                    for (int i = 0; i < n; i++) out.write(kib);
                }
            }
            case "/throw" -> {
                exchange.sendResponseHeaders(200, 0);
                exchange.getResponseBody().write("partial".getBytes(StandardCharsets.UTF_8));
                exchange.getResponseBody().flush();
                throw new IOException("the handler gives up after its status went out");
            }
            case "/fields" -> {
                String text = HeaderFields.of(exchange).all("x-trace") + " " + exchange.getRequestHeaders().get("X-TRACE") + " "
                        + exchange.getRequestURI().getQuery();
                byte[] value = text.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, value.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(value);
                }
            }
            case "/added" -> {
                ResponseFields.add(exchange, "x-early", "1");
                String seen = String.valueOf(exchange.getResponseHeaders().get("X-Early"));
                ResponseFields.add(exchange, "x-late", "2");
                exchange.getResponseHeaders().add("X-Map", "m");
                ResponseFields.add(exchange, "content-length", "999");
                String refused;
                try {
                    ResponseFields.add(exchange, "X-Bad", "a\r\nInjected: yes");
                    refused = "no";
                } catch (IllegalArgumentException e) {
                    refused = "yes";
                }
                byte[] body = (seen + " refused=" + refused).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            case "/header" -> {
                byte[] value = ("[" + exchange.getRequestHeaders().getFirst("X-Padded") + "]").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, value.length);
                exchange.getResponseBody().write(value);
            }
            case "/own-length" -> {
                exchange.getResponseHeaders().set("Content-Length", "999");
                exchange.getResponseHeaders().set("Transfer-Encoding", "gzip");
                exchange.getResponseHeaders().set("date", "yesterday");
                exchange.getResponseHeaders().set("connection", "upgrade");
                exchange.getResponseHeaders().add("x-multi-word", "a");
                exchange.getResponseHeaders().add("X-MULTI-WORD", "b");
                exchange.sendResponseHeaders(200, 2);
                exchange.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
            }
            default -> exchange.sendResponseHeaders(204, -1); // /ignore and anything else: the body is never read
        }
        exchange.close();
    }

    @Test
    void servesPipelinedRequestsInOrderOnOneConnection() throws IOException {
        try (var socket = connect()) {
            send(socket, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo");
            var in = socket.getInputStream();
            assertThat(readResponse(in).body()).isEqualTo("one");
            assertThat(readResponse(in).body()).isEqualTo("two");
        }
    }

    @Test
    void readsAnnouncedBodiesWholeAndCutsAShortOneWithTheConnection() throws IOException {
        try (var socket = connect()) {
            String big = "b".repeat(100_000);
            send(socket, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + big.length() + "\r\n\r\n" + big
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort");
            socket.shutdownOutput(); // the last body ends 5 bytes short of its length
            var in = socket.getInputStream();
            Response empty = readResponse(in);
            assertThat(empty.status()).isEqualTo(200);
            assertThat(empty.body()).isEmpty();
            assertThat(readResponse(in).body()).isEqualTo(big);
            assertThat(in.read()).as("no answer to a body cut short, and the connection closes").isEqualTo(-1);
        }
    }

    @Test
    void headerValuesLoseTheBlanksAroundThem() throws IOException {
        try (var socket = connect()) {
            send(socket, "GET /header HTTP/1.1\r\nHost: x\r\nX-Padded: \t two words \t\r\n\r\n"
                    + "GET /header HTTP/1.1\r\nHost: x\r\nX-Padded:\r\n\r\n");
            var in = socket.getInputStream();
            assertThat(readResponse(in).body()).isEqualTo("[two words]");
            assertThat(readResponse(in).body()).isEqualTo("[]");
        }
    }

    @Test
    void eachRequestOnAConnectionGetsItsOwnFieldsAndTargetThoughMostRepeat() throws IOException {
        try (var socket = connect()) {
            send(socket, "GET /fields?a=1 HTTP/1.1\r\nHost: x\r\nX-Trace: one\r\nx-trace: two\r\n\r\n"
                    + "GET /fields?a=1 HTTP/1.1\r\nHost: x\r\nX-Trace: one\r\nx-trace: TWO\r\n\r\n"
                    + "GET /fields?a=2 HTTP/1.1\r\nX-Trace: 3\r\nHost: x\r\n\r\n"
                    + "GET /fields?a=2 HTTP/1.1\r\nHost: x\r\n\r\n");
            var in = socket.getInputStream();
            assertThat(readResponse(in).body()).isEqualTo("[one, two] [one, two] a=1");
            assertThat(readResponse(in).body()).isEqualTo("[one, TWO] [one, TWO] a=1");
            assertThat(readResponse(in).body()).isEqualTo("[3] [3] a=2");
            assertThat(readResponse(in).body()).isEqualTo("[] null a=2");
        }
    }

    @Test
    void requestsWithMoreFieldsThanAreRememberedOrLongValuesReadWhole() throws IOException {
        var many = new StringBuilder();
        for (int i = 0; i < 40; i++) many.append("X-Field-").append(i).append(": ").append(i).append("\r\n");
        String longValue = "v".repeat(1000);
        try (var socket = connect()) {
            for (String trace : List.of("first", longValue, "third")) {
                send(socket, "GET /fields?q=" + trace.length() + " HTTP/1.1\r\nHost: x\r\n" + many + "X-Trace: " + trace + "\r\n\r\n");
                assertThat(readResponse(socket.getInputStream()).body()).isEqualTo("[" + trace + "] [" + trace + "] q=" + trace.length());
            }
        }
    }

    @Test
    void fieldsAddedWithoutTheJdksHeadersAreSentAndShownAndCannotBreakTheHead() throws IOException {
        try (var socket = connect()) {
            send(socket, "GET /added HTTP/1.1\r\nHost: x\r\n\r\n");
            Response response = readResponse(socket.getInputStream());
            assertThat(response.body()).isEqualTo("[1] refused=yes");
            assertThat(response.head()).contains("\r\nX-Early: 1\r\n", "\r\nX-Late: 2\r\n", "\r\nX-Map: m\r\n", "\r\nContent-Length: 15\r\n")
                    .doesNotContain("999").doesNotContain("Injected");
        }
    }

    @Test
    void closesConnectionsThatIdleBetweenRequestsOrStallInsideOne() throws IOException {
        try (var quick = start("test-idle-", 300);
             var quiet = new Socket("127.0.0.1", quick.port());
             var stalled = new Socket("127.0.0.1", quick.port())) {
            quiet.setSoTimeout(10_000);
            stalled.setSoTimeout(10_000);
            send(stalled, "GET /echo HTTP/1.1\r\nHost: x\r\n"); // a head never finished
            assertThat(quiet.getInputStream().read()).as("a connection that never sent a request").isEqualTo(-1);
            InputStream in = stalled.getInputStream();
            assertThat(in.read()).as("a connection stalled inside a request").isEqualTo(-1);
        }
    }

    @Test
    void refusesACarriageReturnInsideAHeaderLine() throws IOException {
        try (var socket = connect()) {
            send(socket, "GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\rb\r\n\r\n");
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(text).startsWith("HTTP/1.1 400").contains("malformed header line");
        }
    }

    @Test
    void decodesChunkedRequestBodiesWithExtensionsAndTrailers() throws IOException {
        try (var socket = connect()) {
            send(socket, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n"
                    + "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
            var in = socket.getInputStream();
            assertThat(readResponse(in).body()).isEqualTo("hello world");
            Response second = readResponse(in);
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.head()).contains("Content-Length: 0");
        }
    }

    @Test
    void sendsContinueBeforeReadingABodyTheClientHoldsBack() throws IOException {
        try (var socket = connect()) {
            send(socket, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            var in = socket.getInputStream();
            assertThat(readLine(in)).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(readLine(in)).isEmpty();
            send(socket, "body");
            assertThat(readResponse(in).body()).isEqualTo("body");
        }
    }

    @Test
    void answersHeadWithTheLengthButNoBody() throws IOException {
        try (var socket = connect()) {
            send(socket, "HEAD /own-length HTTP/1.1\r\nHost: x\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
            var in = socket.getInputStream();
            Response head = readHead(in);
            assertThat(head.status()).isEqualTo(200);
            Response next = readResponse(in);
            assertThat(next.status()).isEqualTo(200); // nothing of a body came between the two
        }
    }

    @Test
    void replacesTheFramingHeadersAHandlerSets() throws IOException {
        try (var socket = connect()) {
            send(socket, "GET /own-length HTTP/1.1\r\nHost: x\r\n\r\n");
            Response response = readResponse(socket.getInputStream());
            assertThat(response.body()).isEqualTo("ok");
            assertThat(response.head()).contains("Content-Length: 2").doesNotContain("999").doesNotContainIgnoringCase("transfer-encoding")
                    .doesNotContain("yesterday").doesNotContain("upgrade").containsPattern("\r\nDate: \\w{3}, \\d{2} \\w{3} \\d{4} [0-9:]{8} GMT\r\n")
                    .contains("\r\nX-Multi-Word: a\r\nX-Multi-Word: b\r\n");
            assertThat(response.head().split("\r\n")).as("one Date and no Connection field").filteredOn(l -> l.startsWith("Date:")).hasSize(1);
            assertThat(response.head().toLowerCase()).doesNotContain("connection:");
        }
    }

    @Test
    void closesAnHttp10ConnectionAndNeverChunksForIt() throws IOException {
        try (var socket = connect()) {
            send(socket, "GET /stream?n=3 HTTP/1.0\r\n\r\n");
            byte[] all = socket.getInputStream().readAllBytes(); // ends: the server closed the connection
            String text = new String(all, StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("HTTP/1.1 200").contains("Connection: close").doesNotContainIgnoringCase("chunked");
            assertThat(text.substring(text.indexOf("\r\n\r\n") + 4)).hasSize(3 * 1024);
        }
    }

    @Test
    void refusesMalformedRequestsWithAReasonAndCloses() throws IOException {
        try (var socket = connect()) {
            send(socket, "NONSENSE\r\n\r\n");
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(text).startsWith("HTTP/1.1 400").contains("malformed request line");
        }
        try (var socket = connect()) {
            send(socket, "GET / HTTP/1.1\r\nX-Big: " + "a".repeat(RequestHead.MAX_LINE + 1) + "\r\n\r\n");
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(text).startsWith("HTTP/1.1 431");
        }
        try (var socket = connect()) {
            send(socket, "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(text).startsWith("HTTP/1.1 400").contains("Content-Length");
        }
    }

    @Test
    void dropsTheConnectionOfAHandlerThatFailsAfterItsStatus() throws IOException {
        try (var socket = connect()) {
            send(socket, "GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("HTTP/1.1 200").contains("partial").doesNotContain("\r\n0\r\n\r\n"); // no last chunk
        }
    }

    @Test
    void drainsASmallUnreadBodyAndClosesOnALargeOne() throws Exception {
        try (var socket = connect()) {
            send(socket, "POST /ignore HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello" + "POST /echo HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
            var in = socket.getInputStream();
            assertThat(readResponse(in).status()).isEqualTo(204);
            assertThat(readResponse(in).body()).isEqualTo("hi");
        }
        try (var socket = connect()) {
            long large = Connection.DRAIN_LIMIT * 4;
            send(socket, "POST /ignore HTTP/1.1\r\nContent-Length: " + large + "\r\n\r\n");
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    socket.getOutputStream().write(new byte[(int) Connection.DRAIN_LIMIT * 2]);
                } catch (IOException closedByTheServer) {
                    // expected once the server gave up on the body
                }
            });
            var in = socket.getInputStream();
            assertThat(readResponse(in).status()).isEqualTo(204);
            assertThat(closedByPeer(in)).isTrue(); // closed rather than reading a megabyte nobody wants
            writer.join();
        }
    }

    @Test
    void streamsLargeBodiesBothWays() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        byte[] big = new byte[8 * 1024 * 1024];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        HttpResponse<byte[]> echoed = client.send(HttpRequest.newBuilder(uri("/echo")).POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(echoed.body()).isEqualTo(big);
        HttpResponse<byte[]> streamed = client.send(HttpRequest.newBuilder(uri("/stream?n=10000")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(streamed.body()).hasSize(10_000 * 1024);
        assertThat(streamed.headers().firstValue("transfer-encoding")).hasValue("chunked");
    }

    @Test
    void servesConcurrentClientsEachTheirOwnAnswer() throws Exception {
        eachGetsItsOwnAnswer(16, 100, (client, call) -> uri("/echo"));
    }

    /**
     * {@code clients} concurrent clients each POST {@code calls} distinct bodies to {@code target(client, call)}, which
     * echoes them; asserts every answer is the body its own call sent.
     */
    static void eachGetsItsOwnAnswer(int clients, int calls, java.util.function.BiFunction<Integer, Integer, URI> target) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                results.add(threads.submit((Callable<List<String>>) () -> {
                    List<String> mismatches = new ArrayList<>();
                    for (int i = 0; i < calls; i++) {
                        String sent = "client-" + id + "-call-" + i;
                        String got = client.send(HttpRequest.newBuilder(target.apply(id, i)).POST(HttpRequest.BodyPublishers.ofString(sent)).build(),
                                HttpResponse.BodyHandlers.ofString()).body();
                        if (!sent.equals(got)) mismatches.add(sent + " -> " + got);
                    }
                    return mismatches;
                }));
            }
            for (Future<List<String>> result : results) assertThat(result.get()).isEmpty();
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void closeEndsOpenConnections() throws IOException {
        try (var socket = connect()) {
            send(socket, "GET /echo HTTP/1.1\r\n\r\n");
            var in = socket.getInputStream();
            assertThat(readResponse(in).status()).isEqualTo(200);
            server.close();
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    /** End of stream, or a reset: a server that closes with unread bytes in its buffer makes the kernel send one. */
    private static boolean closedByPeer(InputStream in) {
        try {
            return in.read() == -1;
        } catch (IOException reset) {
            return true;
        }
    }

    private Socket connect() throws IOException {
        var socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    record Response(int status, String head, String body) {
    }

    /** Reads a status line and headers only (for HEAD). */
    private static Response readHead(InputStream in) throws IOException {
        var head = new StringBuilder();
        String line;
        while (!(line = readLine(in)).isEmpty()) head.append(line).append("\r\n");
        return new Response(Integer.parseInt(head.substring(9, 12)), head.toString(), "");
    }

    /** Reads one response framed by Content-Length or chunked. */
    static Response readResponse(InputStream in) throws IOException {
        Response head = readHead(in);
        var body = new ByteArrayOutputStream();
        String lower = head.head().toLowerCase();
        if (lower.contains("transfer-encoding: chunked")) {
            int size;
            while ((size = Integer.parseInt(readLine(in), 16)) > 0) {
                body.write(in.readNBytes(size));
                readLine(in);
            }
            readLine(in);
        } else if (lower.contains("content-length: ")) {
            int at = lower.indexOf("content-length: ") + 16;
            body.write(in.readNBytes(Integer.parseInt(lower.substring(at, lower.indexOf("\r\n", at)))));
        }
        return new Response(head.status(), head.head(), body.toString(StandardCharsets.UTF_8));
    }

    private static String readLine(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) throw new IOException("connection closed after: " + line);
            if (b != '\r') line.write(b);
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
