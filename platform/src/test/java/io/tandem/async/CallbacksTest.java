package io.tandem.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.tandem.model.AsyncCall;
import io.vertx.core.Vertx;
import io.vertx.core.net.PemTrustOptions;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Callbacks on real sockets: a receiver on 127.0.0.1 and, on 127.0.0.2 at the same port, a listener standing for
 * what the guard forbids (Tandem's control plane). Host names resolve through a fake resolver, so a test decides
 * what a name answers at each lookup.
 */
class CallbacksTest {
    static final String PASSWORD = "callback-test";
    @TempDir
    static Path dir;
    static Path keyStore;
    static Path certificate;

    Vertx vertx;
    HttpServer receiver;
    final Queue<Received> received = new ConcurrentLinkedQueue<>();
    final Queue<AutoCloseable> closing = new ConcurrentLinkedQueue<>();
    /** Records each request, SNI included when it came over TLS, and answers 204. */
    final HttpHandler recording = exchange -> {
        String serverName = null;
        if (exchange instanceof HttpsExchange s && s.getSSLSession() instanceof ExtendedSSLSession e) {
            serverName = e.getRequestedServerNames().stream().map(n -> ((SNIHostName) n).getAsciiName()).findFirst().orElse(null);
        }
        received.add(new Received(exchange.getRequestURI().toString(), exchange.getRequestHeaders().getFirst("Host"),
                exchange.getRequestHeaders().getFirst("X-Call-Id"), serverName,
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
    };

    record Received(String path, String host, String callId, String serverName, String body) {
    }

    /** A certificate for {@code callback.test} only: no IP address in it. */
    @BeforeAll
    static void makeCertificate() throws Exception {
        keyStore = dir.resolve("receiver.p12");
        certificate = dir.resolve("receiver.pem");
        keytool("-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=callback.test",
                "-ext", "SAN=dns:callback.test", "-validity", "2", "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "receiver", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                "-file", certificate.toString());
    }

    @BeforeEach
    void start() throws IOException {
        vertx = Vertx.vertx();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", recording);
        receiver.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) c.close();
        receiver.stop(0);
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void postsToTheAddressTheGuardCheckedAndRefusesOnceTheNameTurnsToAForbiddenOne() throws Exception {
        int port = receiver.getAddress().getPort();
        Listener forbidden = listen(new InetSocketAddress("127.0.0.2", port));
        // Private addresses are allowed here, as an operator with receivers on a private network would; the forbidden
        // address is the control plane, which the guard never allows.
        var resolver = new Rebinding("rebind.test", "127.0.0.1", "127.0.0.2");
        Callbacks callbacks = callbacks(new CallbackGuard(true, Set.of(forbidden.address()), resolver), 1);
        String url = "http://rebind.test:" + port + "/hook?run=1";

        AsyncCall call = call(url);
        CallRecord first = callbacks.deliver(call, finished(call), "the answer".getBytes(StandardCharsets.UTF_8));

        assertThat(first.callback().state()).isEqualTo("delivered");
        assertThat(received).singleElement().satisfies(r -> {
            assertThat(r.path()).isEqualTo("/hook?run=1");
            assertThat(r.host()).isEqualTo("rebind.test:" + port);
            assertThat(r.callId()).isEqualTo(call.id());
            assertThat(r.body()).isEqualTo("the answer");
        });
        assertThat(resolver.lookups.get()).as("the name is resolved once, by the guard").isEqualTo(1);

        CallRecord second = callbacks.deliver(call(url), finished(call(url)), "again".getBytes(StandardCharsets.UTF_8));

        assertThat(second.callback().state()).isEqualTo("failed");
        assertThat(second.callback().attempts()).isEqualTo(1);
        assertThat(second.callback().status()).isNull();
        assertThat(second.callback().error()).contains("Tandem's own control plane").contains("127.0.0.2");
        assertThat(received).hasSize(1);
        assertThat(forbidden.connectionsBeforeOurOwn()).as("connections the forbidden address received").isZero();
    }

    @Test
    void refusesANameThatResolvesToAPrivateAddressWhenSending() throws Exception {
        int port = receiver.getAddress().getPort();
        var resolver = new Rebinding("hooks.example.com", "93.184.216.34", "127.0.0.1");
        CallbackGuard strict = new CallbackGuard(false, Set.of(), resolver);
        String url = "http://hooks.example.com:" + port + "/hook";
        strict.check(url); // the public answer, as when the call was accepted
        Callbacks callbacks = callbacks(strict, 2);

        CallRecord record = callbacks.deliver(call(url), finished(call(url)), null);

        assertThat(record.callback().state()).isEqualTo("failed");
        assertThat(record.callback().attempts()).as("a refused URL is not tried again").isEqualTo(1);
        assertThat(record.callback().error()).contains("resolves to 127.0.0.1, a loopback address");
        assertThat(received).isEmpty();
    }

    @Test
    void httpsNamesTheUrlsHostInSniAndVerifiesTheCertificateAgainstIt() throws Exception {
        HttpsServer tls = httpsReceiver();
        int port = tls.getAddress().getPort();
        var resolver = new Rebinding("callback.test", "127.0.0.1");
        Callbacks callbacks = callbacks(new CallbackGuard(true, Set.of(), resolver), 1);
        String url = "https://callback.test:" + port + "/done";

        CallRecord record = callbacks.deliver(call(url), finished(call(url)), "secret".getBytes(StandardCharsets.UTF_8));

        assertThat(record.callback().state()).as(String.valueOf(record.callback().error())).isEqualTo("delivered");
        assertThat(received).singleElement().satisfies(r -> {
            assertThat(r.serverName()).isEqualTo("callback.test");
            assertThat(r.host()).isEqualTo("callback.test:" + port);
            assertThat(r.body()).isEqualTo("secret");
        });
    }

    @Test
    void httpsRefusesACertificateNotValidForTheUrlsHost() throws Exception {
        HttpsServer tls = httpsReceiver();
        int port = tls.getAddress().getPort();
        var resolver = new Rebinding("elsewhere.test", "127.0.0.1");
        Callbacks callbacks = callbacks(new CallbackGuard(true, Set.of(), resolver), 1);
        String url = "https://elsewhere.test:" + port + "/done";

        CallRecord record = callbacks.deliver(call(url), finished(call(url)), "secret".getBytes(StandardCharsets.UTF_8));

        assertThat(record.callback().state()).isEqualTo("failed");
        assertThat(record.callback().error()).startsWith("the callback did not answer").contains("elsewhere.test");
        assertThat(received).isEmpty();
    }

    @Test
    void hostHeaderCarriesThePortOnlyWhenItIsNotTheSchemesDefault() {
        assertThat(Callbacks.hostHeader(URI.create("https://hooks.example.com/x"))).isEqualTo("hooks.example.com");
        assertThat(Callbacks.hostHeader(URI.create("http://hooks.example.com:80/x"))).isEqualTo("hooks.example.com");
        assertThat(Callbacks.hostHeader(URI.create("https://hooks.example.com:8443/x"))).isEqualTo("hooks.example.com:8443");
        assertThat(Callbacks.hostHeader(URI.create("http://[2001:db8::1]:9000/x"))).isEqualTo("[2001:db8::1]:9000");
    }

    // ---- fakes and helpers ----------------------------------------------------------------------------------

    /** Answers {@code name} with each address in turn, the last one from then on; every other name is unknown. */
    static final class Rebinding implements CallbackGuard.Resolver {
        final String name;
        final Deque<String> answers;
        final AtomicInteger lookups = new AtomicInteger();

        Rebinding(String name, String... answers) {
            this.name = name;
            this.answers = new ArrayDeque<>(List.of(answers));
        }

        @Override
        public synchronized List<InetAddress> resolve(String host) throws UnknownHostException {
            if (!host.equals(name)) throw new UnknownHostException(host);
            lookups.incrementAndGet();
            String next = answers.size() > 1 ? answers.removeFirst() : answers.getFirst();
            return List.of(InetAddress.getByAddress(name, InetAddress.getByName(next).getAddress()));
        }
    }

    /** A TCP listener that records the client port of every connection it accepts, answering none. */
    record Listener(ServerSocket socket, Queue<Integer> accepted) {
        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        /**
         * How many connections came before one the test opens now: the kernel hands them over in order, so once
         * ours is accepted every earlier one has been counted.
         */
        int connectionsBeforeOurOwn() throws IOException {
            try (Socket ours = new Socket(socket.getInetAddress(), socket.getLocalPort())) {
                int mine = ours.getLocalPort();
                await().atMost(Duration.ofSeconds(10)).until(() -> accepted.contains(mine));
                return (int) accepted.stream().takeWhile(p -> p != mine).count();
            }
        }
    }

    Listener listen(InetSocketAddress at) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.bind(at);
        Queue<Integer> accepted = new ConcurrentLinkedQueue<>();
        Thread.ofVirtual().name("forbidden-listener").start(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    accepted.add(s.getPort());
                    closing.add(s);
                } catch (IOException closed) {
                    return;
                }
            }
        });
        closing.add(socket);
        return new Listener(socket, accepted);
    }

    HttpsServer httpsReceiver() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keyStore.toFile())) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(ks, PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        HttpsServer tls = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        tls.setHttpsConfigurator(new HttpsConfigurator(context));
        tls.createContext("/", recording);
        tls.start();
        closing.add(() -> tls.stop(0));
        return tls;
    }

    Callbacks callbacks(CallbackGuard guard, int attempts) {
        Callbacks c = new Callbacks(vertx, guard, attempts, 4, new PemTrustOptions().addCertPath(certificate.toString()));
        closing.add(c);
        return c;
    }

    static AsyncCall call(String callbackUrl) {
        return new AsyncCall(AsyncCall.newId(), "hello", "POST", "/", Map.of(), new byte[0], callbackUrl, Instant.now());
    }

    static CallRecord finished(AsyncCall call) {
        return CallRecord.queued(call).running(1).finished(200, null, 12, "text/plain", "the answer".getBytes(StandardCharsets.UTF_8));
    }

    static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("keytool " + String.join(" ", args) + ": " + output).isZero();
    }
}
