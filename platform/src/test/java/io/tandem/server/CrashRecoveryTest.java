package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.client.TandemClient;
import io.tandem.home.TandemHome;
import io.tandem.model.CodeRef;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.HttpTrigger;
import io.tandem.model.HttpTriggerSpec;
import io.tandem.model.Metadata;
import java.io.IOException;
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
        int routerPort = ServerChild.freePort();
        int apiPort = ServerChild.freePort();
        TandemHome home = new TandemHome(homeDir);
        server = ServerChild.start(home, routerPort, apiPort);
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

        server = ServerChild.start(home, routerPort, apiPort);
        HttpResponse<String> after = call(hello);
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        assertThat(after.body()).contains("Hello, again!");
    }

    private HttpResponse<String> call(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
