package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.tandem.client.TandemClient;
import io.tandem.home.TandemHome;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Json;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem server} SIGKILLed with async calls accepted and not run yet, and started again: every call runs
 * and reaches its callback (at least once; the ones cut mid-run come twice, and the test counts them).
 */
class AsyncCrashTest {
    static final int CALLS = 30;

    @TempDir
    Path homeDir;
    Process server;
    HttpServer receiver;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    final Queue<String> called = new ConcurrentLinkedQueue<>();

    @AfterEach
    void cleanUp() {
        if (server != null) {
            server.descendants().forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly();
        }
        if (receiver != null) receiver.stop(0);
    }

    @Test
    void callsAcceptedBeforeASigkillRunAfterTheRestartAndNoneIsLost() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            called.add(exchange.getRequestHeaders().getFirst("X-Call-Id"));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        int routerPort = ServerChild.freePort();
        int apiPort = ServerChild.freePort();
        TandemHome home = new TandemHome(homeDir);
        String[] args = {"--allow-private-callbacks", "--async-retry-delay", "200ms"};
        server = ServerChild.start(home, routerPort, apiPort, args);
        TandemClient client = new TandemClient(URI.create("http://127.0.0.1:" + apiPort), home.readToken());
        client.put("/v1/environments/exec", new Environment(Metadata.named("exec"), new EnvironmentSpec(Runtime.EXEC, null, 0, null)));
        Path script = homeDir.resolve("slow.sh");
        Files.writeString(script, "#!/usr/bin/env bash\nsleep 0.3\necho done\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        client.put("/v1/functions/slow", new Function(Metadata.named("slow"), new FunctionSpec("exec", client.uploadPackage(script), null,
                ExecutorType.NEWDEPLOY, 1, 1, null, null, null, null, null)));
        URI router = URI.create("http://127.0.0.1:" + routerPort);
        await().atMost(Duration.ofSeconds(60)).until(() -> send(HttpRequest.newBuilder(router.resolve("/function/slow")).build()).statusCode() == 200);

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(router.resolve("/async-function/slow"))
                    .header("X-Callback-Url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/cb")
                    .POST(HttpRequest.BodyPublishers.ofString("call " + i)).build());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            ids.add(Json.read(r.body(), JsonNode.class).path("callId").asText());
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> called.size() >= 3);
        List<ProcessHandle> children = server.descendants().toList();
        server.destroyForcibly().waitFor();
        await().atMost(Duration.ofSeconds(30)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
        int beforeRestart = called.size();
        assertThat(beforeRestart).as("the kill came before every call ran").isLessThan(CALLS);

        server = ServerChild.start(home, routerPort, apiPort, args);
        await().atMost(Duration.ofSeconds(120)).until(() -> called.containsAll(ids));
        for (String id : ids) {
            HttpResponse<String> state = send(HttpRequest.newBuilder(router.resolve("/async-calls/" + id)).build());
            assertThat(Json.read(state.body(), JsonNode.class).path("state").asText()).as(id).isEqualTo("succeeded");
        }
        Map<String, Long> times = called.stream().collect(Collectors.groupingBy(id -> id, Collectors.counting()));
        long twice = times.values().stream().filter(n -> n > 1).count();
        System.out.printf("async calls across a SIGKILL: %d accepted, %d called back before the kill, 0 lost, %d called back twice%n",
                CALLS, beforeRestart, twice);
        assertThat(twice).as("only calls cut mid-run come twice (at most the 8 that run at once)").isLessThanOrEqualTo(8);
    }

    private HttpResponse<String> send(HttpRequest r) throws Exception {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }
}
