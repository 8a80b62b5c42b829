package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.tandem.async.AsyncCalls;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Json;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Async calls through a real server and the real NATS on 127.0.0.1:4222: accepted at once, run through the router,
 * retried, and their results posted to a callback receiver on loopback (allowed for this server).
 */
class AsyncEndToEndTest {
    static RunningServer tandem;
    static HttpServer receiver;
    static final Queue<Received> callbacks = new ConcurrentLinkedQueue<>();
    static Path scripts;

    record Received(String path, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            callbacks.add(new Received(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), new String(body, StandardCharsets.UTF_8)));
            int status = exchange.getRequestURI().getPath().startsWith("/down") ? 503 : 204;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        tandem = new RunningServer(1, c -> c.withPrivateCallbacks(true)
                .withAsync(new AsyncCalls.Settings(2, Duration.ofMillis(200), Duration.ofSeconds(1), 4, 2)));
        tandem.client.put("/v1/environments/exec", new Environment(Metadata.named("exec"), new EnvironmentSpec(Runtime.EXEC, null, 0, null)));
        scripts = Files.createTempDirectory("async-scripts");
        Path tries = Files.createDirectories(scripts.resolve("tries"));
        // The function counts its tries here; it may run as a user of its own, so both directories let anyone in.
        Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(tries, PosixFilePermissions.fromString("rwxrwxrwx"));
        deploy("echo", """
                #!/usr/bin/env bash
                echo "got: $(cat) call=${Http_X_Call_Id:-none} query=${Http_Query:-}"
                """);
        deploy("flaky", """
                #!/usr/bin/env bash
                n=$(ls %s | wc -l); touch %s/$$
                if [ "$n" -lt 2 ]; then echo "not yet ($n)" >&2; exit 1; fi
                echo "third time lucky"
                """.formatted(tries, tries));
        deploy("broken", """
                #!/usr/bin/env bash
                echo "always broken" >&2; exit 1
                """);
        for (String f : List.of("echo", "flaky", "broken")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> tandem.get("/function/" + f).statusCode() != 503);
        }
        Files.list(tries).forEach(p -> p.toFile().delete()); // the probe above counted as a try
    }

    @AfterAll
    static void stop() throws IOException {
        if (tandem != null) tandem.close();
        if (receiver != null) receiver.stop(0);
    }

    private static void deploy(String name, String script) throws IOException {
        Path file = scripts.resolve(name + ".sh");
        Files.writeString(file, script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        tandem.client.put("/v1/functions/" + name, new Function(Metadata.named(name), new FunctionSpec("exec", tandem.client.uploadPackage(file), null,
                ExecutorType.NEWDEPLOY, 1, 1, null, null, null, null, null)));
    }

    private static HttpResponse<String> submit(String function, String body, String callbackPath) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(tandem.router("/async-function/" + function)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (callbackPath != null) b.header("X-Callback-Url", "http://127.0.0.1:" + receiver.getAddress().getPort() + callbackPath);
        return tandem.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String accepted(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String id = Json.read(r.body(), JsonNode.class).path("callId").asText();
        assertThat(r.headers().firstValue("X-Call-Id")).hasValue(id);
        return id;
    }

    private static Received callbackFor(String id) {
        await().atMost(Duration.ofSeconds(30)).until(() -> callbacks.stream().anyMatch(c -> id.equals(c.header("X-Call-Id"))));
        return callbacks.stream().filter(c -> id.equals(c.header("X-Call-Id"))).findFirst().orElseThrow();
    }

    private static JsonNode state(String id) throws Exception {
        HttpResponse<String> r = tandem.get("/async-calls/" + id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body(), JsonNode.class);
    }

    @Test
    void aCallIsAcceptedAtOnceRunLaterAndItsResultPostedToTheCallback() throws Exception {
        String id = accepted(submit("echo?x=1", "hello", "/done"));
        Received cb = callbackFor(id);
        assertThat(cb.path()).isEqualTo("/done");
        assertThat(cb.body()).isEqualTo("got: hello call=" + id + " query=x=1\n");
        assertThat(cb.header("X-Function-Status")).isEqualTo("200");
        assertThat(cb.header("X-Function-Name")).isEqualTo("echo");
        assertThat(cb.header("X-Tandem-State")).isEqualTo("succeeded");
        assertThat(Double.parseDouble(cb.header("X-Duration-Seconds"))).isPositive().isLessThan(30);

        await().atMost(Duration.ofSeconds(10)).until(() -> state(id).path("callback").path("state").asText().equals("delivered"));
        JsonNode s = state(id);
        assertThat(s.path("state").asText()).isEqualTo("succeeded");
        assertThat(s.path("status").asInt()).isEqualTo(200);
        assertThat(s.path("attempts").asInt()).isEqualTo(1);
        assertThat(s.path("body").asText()).startsWith("got: hello");
        assertThat(s.path("callback").path("status").asInt()).isEqualTo(204);
    }

    @Test
    void failuresAreRetriedWithBackOffAndTheLastAnswerIsWhatTheCallbackGets() throws Exception {
        String lucky = accepted(submit("flaky", "", "/flaky"));
        String doomed = accepted(submit("broken", "", "/broken"));

        Received ok = callbackFor(lucky);
        assertThat(ok.header("X-Function-Status")).isEqualTo("200");
        assertThat(ok.header("X-Attempts")).isEqualTo("3");
        assertThat(ok.body()).isEqualTo("third time lucky\n");

        Received failed = callbackFor(doomed);
        assertThat(failed.header("X-Function-Status")).isEqualTo("500");
        assertThat(failed.header("X-Tandem-State")).isEqualTo("failed");
        assertThat(failed.header("X-Attempts")).isEqualTo("3"); // the first and 2 retries
        assertThat(failed.header("X-Function-Error")).contains("500");
        assertThat(failed.body()).contains("always broken");
        assertThat(state(doomed).path("state").asText()).isEqualTo("failed");
    }

    @Test
    void aCallbackThatKeepsFailingIsRetriedThenRecordedAsFailed() throws Exception {
        String id = accepted(submit("echo", "x", "/down"));
        await().atMost(Duration.ofSeconds(30)).until(() -> state(id).path("callback").path("state").asText().equals("failed"));
        JsonNode cb = state(id).path("callback");
        assertThat(cb.path("attempts").asInt()).isEqualTo(2);
        assertThat(cb.path("status").asInt()).isEqualTo(503);
        assertThat(cb.path("error").asText()).contains("503");
        assertThat(callbacks.stream().filter(c -> id.equals(c.header("X-Call-Id")))).hasSize(2);
        assertThat(state(id).path("state").asText()).isEqualTo("succeeded"); // the call itself went well
    }

    @Test
    void refusesWhatItCannotRunSayingWhyAndStoresNothing() throws Exception {
        HttpResponse<String> missing = submit("nope", "x", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("no function named 'nope'");

        HttpResponse<String> big = tandem.http.send(HttpRequest.newBuilder(tandem.router("/async-function/echo"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[256 * 1024 + 1])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(big.body()).contains("262144 bytes");

        HttpResponse<String> own = tandem.http.send(HttpRequest.newBuilder(tandem.router("/async-function/echo"))
                .header("X-Callback-Url", "http://127.0.0.1:" + tandem.server.apiPort() + "/v1/functions")
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(own.statusCode()).isEqualTo(400);
        assertThat(own.body()).contains("callback refused", "control plane");

        HttpResponse<String> ftp = tandem.http.send(HttpRequest.newBuilder(tandem.router("/async-function/echo"))
                .header("X-Callback-Url", "ftp://example.com/x").POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ftp.statusCode()).isEqualTo(400);

        assertThat(tandem.get("/async-calls/" + "0".repeat(32)).statusCode()).isEqualTo(404);
        assertThat(tandem.get("/async-calls/not-an-id").statusCode()).isEqualTo(404);
    }

    @Test
    void withoutNatsACallIsRefusedWith503AndNothingClaimsItWasStored() throws Exception {
        String nowhere = "nats://127.0.0.1:" + ServerChild.freePort();
        try (RunningServer noNats = new RunningServer(0, c -> c.withNatsUrl(nowhere))) {
            noNats.client.put("/v1/environments/exec", new Environment(Metadata.named("exec"), new EnvironmentSpec(Runtime.EXEC, null, 0, null)));
            Path file = scripts.resolve("echo.sh");
            noNats.client.put("/v1/functions/echo", new Function(Metadata.named("echo"), new FunctionSpec("exec", noNats.client.uploadPackage(file), null,
                    null, null, null, null, null, null, null, null)));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                HttpResponse<String> r = noNats.http.send(HttpRequest.newBuilder(noNats.router("/async-function/echo"))
                        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
                assertThat(r.body()).contains("NATS", "nothing was stored");
            });
        }
    }
}
