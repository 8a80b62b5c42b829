package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.cli.Main;
import io.tandem.client.ServerTrust;
import io.tandem.client.TandemClient;
import io.tandem.home.ServerInfo;
import io.tandem.home.TandemHome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The edges a client on the network meets: the cap on connections per client, TLS with a self-signed certificate
 * off loopback and the CLI pinning it, and the refusal to serve the API off loopback in plain HTTP. Real servers,
 * real sockets.
 */
class EdgeEndToEndTest {
    /** The CLI's exit codes (docs/cli.md): refused or failed, and bad usage. */
    private static final int FAILED = 1;
    private static final int USAGE = 2;
    private static final String HEALTH = "GET /healthz HTTP/1.1\r\nHost: tandem\r\n\r\n";

    @Test
    void aClientOverItsConnectionCapIsToldSoAndClosedWhileOtherClientsAreServed() throws Exception {
        int cap = 4;
        try (RunningServer tandem = new RunningServer(0, c -> c.withEdge(c.edge().withConnectionsPerClient(cap, cap)))) {
            int port = tandem.server.routerPort();
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < cap; i++) {
                    Socket s = connect("127.0.0.1", port);
                    assertThat(exchange(s, HEALTH)).as("connection %d of the cap", i + 1).startsWith("HTTP/1.1 200");
                    held.add(s);
                }
                try (Socket over = connect("127.0.0.1", port)) {
                    assertThat(exchange(over, HEALTH)).as("the connection over the cap is refused with a reason")
                            .startsWith("HTTP/1.1 503").contains("Retry-After: 1", "too many connections", "127.0.0.1 holds 4 connections open");
                    assertThat(over.getInputStream().read()).as("then closed").isEqualTo(-1);
                }
                try (Socket silent = connect("127.0.0.1", port)) {
                    assertThat(silent.getInputStream().read()).as("one over the cap that sends nothing is closed").isEqualTo(-1);
                }
                // Another address is another client: 127.0.0.2 reaches the same loopback listener.
                try (Socket other = connect("127.0.0.2", port)) {
                    assertThat(exchange(other, HEALTH)).startsWith("HTTP/1.1 200");
                    assertThat(exchange(other, "GET /metrics HTTP/1.1\r\nHost: tandem\r\n\r\n"))
                            .containsPattern("tandem_router_connections_refused_total(\\{[^}]*\\})? [1-9]");
                }
                // The held connections still serve, and the API is a listener of its own.
                assertThat(exchange(held.getFirst(), HEALTH)).startsWith("HTTP/1.1 200");
                assertThat(tandem.client.get("/v1/functions").toString()).contains("items");
                // One closed, the client may open another.
                held.removeFirst().close();
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    try (Socket again = connect("127.0.0.1", port)) {
                        assertThat(exchange(again, HEALTH)).startsWith("HTTP/1.1 200");
                    }
                });
            } finally {
                for (Socket s : held) s.close();
            }
        }
    }

    @Test
    void offLoopbackTheServerMakesACertificateServesTlsAndTheCliPinsIt() throws Exception {
        TandemHome home = new TandemHome(Files.createTempDirectory("tandem-tls-"));
        Process server = startServer(home, "--host", "0.0.0.0");
        try {
            ServerInfo info = ServerInfo.readFrom(home).orElseThrow();
            String out = Files.readString(home.root().resolve("server.out"));
            assertThat(info.api()).startsWith("https://");
            assertThat(info.router()).startsWith("https://");
            assertThat(info.tlsFingerprint()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
            assertThat(out).as("what the server printed").contains("SHA-256 " + info.tlsFingerprint());
            Path key = home.root().resolve("tls/key.pem");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");

            // The CLI finds the fingerprint in TANDEM_HOME and talks https to the API and the router.
            assertThat(cli(home, "fn", "list")).isZero();
            assertThat(cli(home, "status")).isZero();
            int apiPort = URI.create(info.api()).getPort();
            int routerPort = URI.create(info.router()).getPort();
            TandemClient pinned = new TandemClient(URI.create("https://127.0.0.1:" + apiPort), home.readToken(),
                    ServerTrust.pinned(info.tlsFingerprint().replace(":", "").toLowerCase()));
            assertThat(pinned.get("/v1/functions").toString()).contains("items");
            HttpClient routerClient = ServerTrust.pinned(info.tlsFingerprint()).applyTo(HttpClient.newBuilder()).build();
            assertThat(routerClient.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + routerPort + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            // Another fingerprint, or no pin at all, and the certificate is refused.
            String wrong = "AA" + info.tlsFingerprint().substring(2).replace('A', 'B');
            TandemClient impostor = new TandemClient(URI.create("https://127.0.0.1:" + apiPort), home.readToken(), ServerTrust.pinned(wrong));
            assertThatThrownBy(() -> impostor.get("/v1/functions")).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("refused the TLS certificate").hasMessageContaining(info.tlsFingerprint());
            TandemClient unpinned = new TandemClient(URI.create("https://127.0.0.1:" + apiPort), home.readToken());
            assertThatThrownBy(() -> unpinned.get("/v1/functions")).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("refused the TLS certificate");
            // Plain HTTP on the TLS port gets no API answer.
            try (Socket plain = connect("127.0.0.1", apiPort)) {
                assertThat(exchange(plain, "GET /v1/functions HTTP/1.1\r\nHost: x\r\n\r\n")).doesNotContain("items");
            }

            // The CLI as a user runs it elsewhere: a wrong TANDEM_TLS_FINGERPRINT is refused with exit 1, the right one works.
            Process refused = cliProcess(home, wrong, "fn", "list");
            assertThat(refused.waitFor()).isEqualTo(FAILED);
            assertThat(new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("refused the TLS certificate");
            Process accepted = cliProcess(home, info.tlsFingerprint(), "fn", "list");
            assertThat(accepted.waitFor()).as(new String(accepted.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        } finally {
            stop(server);
            delete(home.root());
        }
    }

    @Test
    void plainHttpWithTheApiOffLoopbackIsRefusedUnlessTheRiskIsNamed() throws Exception {
        Path home = Files.createTempDirectory("tandem-plain-");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        System.setProperty("tandem.home", home.toString());
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.run("server", "--host", "0.0.0.0", "--no-tls")).isEqualTo(USAGE);
            assertThat(Main.run("server", "--host", "0.0.0.0", "--tls-cert", home.resolve("c.pem").toString())).isEqualTo(USAGE);
            assertThat(Main.run("server", "--max-client-connections", "-1")).isEqualTo(USAGE);
        } finally {
            System.setErr(oldErr);
            System.clearProperty("tandem.home");
        }
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("refusing to serve the API on 0.0.0.0 in plain HTTP", "clear text", "--insecure-plain-http")
                .contains("give both --tls-cert FILE and --tls-key FILE")
                .contains("--max-client-connections must be 0 (no cap) or more");
        try (Stream<Path> files = Files.list(home)) {
            assertThat(files).as("a refused start changes nothing in TANDEM_HOME").isEmpty();
        }
        Files.delete(home);
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static Socket connect(String from, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Sends {@code request} and reads one answer (head and a Content-Length body); "" when the server closes instead. */
    private static String exchange(Socket s, String request) throws IOException {
        try {
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            StringBuilder text = new StringBuilder();
            int headEnd;
            while ((headEnd = text.indexOf("\r\n\r\n")) < 0) {
                int b = in.read();
                if (b < 0) return text.toString();
                text.append((char) b);
            }
            var length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
            int body = length.find() ? Integer.parseInt(length.group(1)) : 0;
            text.append(new String(in.readNBytes(body), StandardCharsets.UTF_8));
            return text.toString();
        } catch (SocketException reset) {
            return "";
        }
    }

    private static int cli(TandemHome home, String... args) {
        System.setProperty("tandem.home", home.root().toString());
        try {
            return Main.run(args);
        } finally {
            System.clearProperty("tandem.home");
        }
    }

    private static Process cliProcess(TandemHome home, String fingerprint, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of(java(), "-cp", System.getProperty("java.class.path"), "io.tandem.cli.Main"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("TANDEM_HOME", home.root().toString());
        pb.environment().put("TANDEM_TLS_FINGERPRINT", fingerprint);
        return pb.start();
    }

    /** {@code tandem server} with no nodes on free ports in a child process; returns once it has written server.json. */
    private static Process startServer(TandemHome home, String... extraArgs) throws IOException {
        List<String> argv = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.tandem.cli.Main", "server", "--nodes", "0", "--port", "0", "--api-port", "0"));
        argv.addAll(List.of(extraArgs));
        Files.createDirectories(home.root());
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.root().resolve("server.out").toFile()));
        pb.environment().put("TANDEM_HOME", home.root().toString());
        Process p = pb.start();
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            if (!p.isAlive()) throw new AssertionError("server exited: " + Files.readString(home.root().resolve("server.out")));
            return Files.readString(home.root().resolve("server.out")).contains("Tandem is ready.");
        });
        return p;
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
    }

    private static void delete(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
