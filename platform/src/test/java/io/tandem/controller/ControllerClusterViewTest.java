package io.tandem.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.home.TandemHome;
import io.tandem.http.FreePort;
import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ControllerClusterViewTest {

    /** Answers as an executor would, and remembers how logs were asked for. */
    static final class FakeClusterView implements ClusterView {
        volatile String logRequest;

        @Override
        public Future<Object> status() {
            return Future.succeededFuture(Map.of("nodes", List.of(Map.of("name", "n1")), "instances", List.of(Map.of("function", "f", "role", "active"))));
        }

        @Override
        public Future<Object> functionStatus(String function) {
            return Future.succeededFuture(Map.of("instances", 2, "function", function));
        }

        @Override
        public Future<Object> traffic() {
            return Future.succeededFuture(Map.of("stepMillis", 5000, "functions", Map.of("f", List.of(Map.of("at", 1, "calls", 2.5, "errors", 0)))));
        }

        @Override
        public Future<Void> streamLogs(String function, LogQuery query, HttpServerResponse response) {
            logRequest = function + " " + query.tail() + " " + query.follow();
            return response.end("i-1 hello\ni-2 world\n");
        }
    }

    final FakeClusterView view = new FakeClusterView();
    @RegisterExtension
    final RunningController api = new RunningController(view);

    @Test
    void showsTheExecutorsViewOfStatusFunctionsAndLogs() throws Exception {
        JsonNode status = Json.MAPPER.readTree(api.send("GET", "/v1/status", null).body());
        assertThat(status.path("instances").get(0).path("role").asText()).isEqualTo("active");

        String sha = api.controller().packages().put(new ByteArrayInputStream("echo hi".getBytes()), "f.sh").ref().sha256();
        assertThat(api.send("PUT", "/v1/functions/f", "{\"spec\":{\"environment\":\"exec\",\"code\":{\"sha256\":\"" + sha + "\"}}}").statusCode())
                .isEqualTo(201);
        JsonNode fn = Json.MAPPER.readTree(api.send("GET", "/v1/functions/f", null).body());
        assertThat(fn.path("status").path("instances").asInt()).isEqualTo(2);

        HttpResponse<String> logs = api.send("GET", "/v1/functions/f/logs?tail=7&follow=true", null);
        assertThat(logs.statusCode()).isEqualTo(200);
        assertThat(logs.body()).isEqualTo("i-1 hello\ni-2 world\n");
        assertThat(view.logRequest).isEqualTo("f 7 true");
    }

    @Test
    void servesTheConsolePageWithoutTheTokenButItsDataOnlyWithIt() throws Exception {
        HttpResponse<String> page = api.send(api.anonymous("/console/").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Tandem console</title>").doesNotContain(api.token());
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v -> assertThat(v).contains("default-src 'self'"));
        HttpResponse<String> script = api.send(api.anonymous("/console/console.js").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("javascript"));

        for (String path : List.of("/v1/traffic", "/v1/status", "/v1/functions")) {
            HttpResponse<String> refused = api.send(api.anonymous(path)
                    .header("Authorization", "Bearer wrong").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(path).isEqualTo(401);
        }
        JsonNode traffic = Json.MAPPER.readTree(api.send("GET", "/v1/traffic", null).body());
        assertThat(traffic.path("functions").path("f").get(0).path("calls").asDouble()).isEqualTo(2.5);
    }

    @Test
    void refusesInvocationsItCannotMakeSayingWhy() throws Exception {
        assertThat(api.send("POST", "/v1/functions/ghost/invoke", "{}").statusCode()).isEqualTo(503); // no router runs here
        String sha = api.controller().packages().put(new ByteArrayInputStream("echo hi".getBytes()), "f.sh").ref().sha256();
        api.send("PUT", "/v1/functions/f", "{\"spec\":{\"environment\":\"exec\",\"code\":{\"sha256\":\"" + sha + "\"}}}");
        HttpResponse<String> badMethod = api.send("POST", "/v1/functions/f/invoke", "{\"method\":\"TRACE\"}");
        assertThat(badMethod.statusCode()).isEqualTo(400);
        assertThat(badMethod.body()).contains("invalid method 'TRACE'", "GET");
        for (String path : List.of("no-slash", "//evil.example/x", "/../v1/status", "/a b")) {
            HttpResponse<String> bad = api.send("POST", "/v1/functions/f/invoke", Json.write(Map.of("path", path)));
            assertThat(bad.statusCode()).as(path).isEqualTo(400);
            assertThat(bad.body()).as(path).contains("invalid path");
        }
        assertThat(api.send("POST", "/v1/functions/f/invoke", "not json").statusCode()).isEqualTo(400);
    }

    @Test
    void answers503SayingSoWhenTheExecutorDoesNotAnswer(@TempDir Path otherHome) throws Exception {
        int deadPort = FreePort.loopback();
        TandemHome home = new TandemHome(otherHome);
        api.restart(home, new HttpClusterView(api.vertx(), "http://127.0.0.1:" + deadPort, home.ensureToken()));

        HttpResponse<String> status = api.send("GET", "/v1/status", null);
        assertThat(status.statusCode()).isEqualTo(503);
        assertThat(Json.MAPPER.readTree(status.body()).path("error").asText()).contains("the executor at http://127.0.0.1:" + deadPort + " does not answer");
        String sha = api.controller().packages().put(new ByteArrayInputStream("echo hi".getBytes()), "f.sh").ref().sha256();
        api.send("PUT", "/v1/functions/f", "{\"spec\":{\"environment\":\"exec\",\"code\":{\"sha256\":\"" + sha + "\"}}}");
        assertThat(api.send("GET", "/v1/functions/f", null).statusCode()).isEqualTo(503);
        assertThat(api.send("GET", "/v1/functions/f/logs", null).statusCode()).isEqualTo(503);
    }
}
