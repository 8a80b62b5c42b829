package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.client.TandemClient;
import io.tandem.home.ServerInfo;
import io.tandem.home.TandemHome;
import io.tandem.model.CodeRef;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.HttpTrigger;
import io.tandem.model.HttpTriggerSpec;
import io.tandem.model.Metadata;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem server} killed with SIGKILL and started again serves the same functions, with no user action. */
class CrashRecoveryTest {
    @TempDir
    Path homeDir;
    Process server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void cleanUp() {
        if (server != null) {
            server.descendants().forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly();
        }
    }

    @Test
    void serverKilledWithSigkillRestartsAndServesTheSameFunctions() throws Exception {
        int routerPort = freePort();
        int apiPort = freePort();
        TandemHome home = new TandemHome(homeDir);
        server = startServer(home, routerPort, apiPort);
        TandemClient client = new TandemClient(URI.create("http://127.0.0.1:" + apiPort), home.readToken());
        CodeRef jar = client.uploadPackage(RunningServer.repoRoot().resolve("examples/hello/target/hello.jar"));
        client.put("/v1/functions/hello", new Function(Metadata.named("hello"),
                new FunctionSpec("java", jar, "example.Hello", null, null, null, null, null, null, null, null)));
        client.put("/v1/triggers/http/hello", new HttpTrigger(Metadata.named("hello"), new HttpTriggerSpec("hello", "GET", "/hello")));
        URI hello = URI.create("http://127.0.0.1:" + routerPort + "/hello?name=again");
        assertThat(call(hello).body()).contains("Hello, again!");

        List<ProcessHandle> children = server.descendants().toList();
        server.destroyForcibly().waitFor();
        // Agents and instances follow their parent down: nothing of the old server may keep the ports.
        await().atMost(Duration.ofSeconds(30)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));

        server = startServer(home, routerPort, apiPort);
        HttpResponse<String> after = call(hello);
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        assertThat(after.body()).contains("Hello, again!");
    }

    private HttpResponse<String> call(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private Process startServer(TandemHome home, int routerPort, int apiPort) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.tandem.cli.Main", "server", "--nodes", "1", "--port", Integer.toString(routerPort), "--api-port", Integer.toString(apiPort))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.root().resolve("server.out").toFile()));
        pb.environment().put("TANDEM_HOME", home.root().toString());
        Process p = pb.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            if (!p.isAlive()) throw new AssertionError("server exited: " + Files.readString(home.root().resolve("server.out")));
            return ServerInfo.readFrom(home).filter(i -> i.pid() == p.pid()).isPresent();
        });
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
