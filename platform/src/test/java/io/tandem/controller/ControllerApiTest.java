package io.tandem.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.home.TandemHome;
import io.tandem.model.Json;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControllerApiTest {
    @TempDir
    Path tmp;
    Vertx vertx;
    Controller controller;
    TandemHome home;
    String token;
    final HttpClient http = HttpClient.newHttpClient();

    record Reply(int status, JsonNode json, String text) {
        String error() {
            return json.path("error").asText();
        }
    }

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        home = new TandemHome(tmp.resolve("home"));
        controller = new Controller(home, vertx, "127.0.0.1", 0, null, 64 * 1024);
        controller.start().await();
        token = home.readToken();
    }

    @AfterEach
    void stop() {
        if (controller != null) controller.stop().await();
        vertx.close().await();
    }

    Reply call(String method, String path, String body) {
        return call(method, path, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body), "Bearer " + token, null);
    }

    Reply call(String method, String path, HttpRequest.BodyPublisher body, String auth, String filename) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.port() + path)).method(method, body)
                .timeout(Duration.ofSeconds(30));
        if (auth != null) b.header("Authorization", auth);
        if (filename != null) b.header("X-Tandem-Filename", filename);
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            if (r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) json = Json.MAPPER.readTree(r.body());
            return new Reply(r.statusCode(), json, r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    Reply upload(byte[] bytes, String filename) {
        return call("POST", "/v1/packages", HttpRequest.BodyPublishers.ofByteArray(bytes), "Bearer " + token, filename);
    }

    String uploadScript() {
        Reply r = upload("#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), "hello.sh");
        assertThat(r.status()).isIn(200, 201);
        return r.json().path("sha256").asText();
    }

    static String function(String name, String env, String sha, String extra) {
        return "{\"kind\":\"Function\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"environment\":\"" + env
                + "\",\"code\":{\"sha256\":\"" + sha + "\"}" + extra + "}}";
    }

    static String trigger(String name, String function, String method, String path) {
        return "{\"kind\":\"HttpTrigger\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"function\":\"" + function
                + "\",\"method\":\"" + method + "\",\"path\":\"" + path + "\"}}";
    }

    long revision() {
        return call("GET", "/v1/environments", null).json().path("revision").asLong();
    }

    static void assertError(Reply r, int status, String... words) {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.json().path("error").asText()).contains(words);
        assertThat(r.json().path("detail").asText()).isNotBlank();
    }

    @Test
    void startsWithTheBuiltInEnvironments() {
        Reply r = call("GET", "/v1/environments", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("items").findValuesAsText("name")).containsExactly("exec", "http", "java", "lambda", "nodejs-lambda", "python-lambda");
        assertThat(r.json().path("items").get(2).path("spec").path("runtime").asText()).isEqualTo("java");
        assertThat(r.json().path("items").get(2).path("kind").asText()).isEqualTo("Environment");
        assertThat(r.json().path("items").get(5).path("spec").path("runtime").asText()).isEqualTo("lambda");
        assertThat(r.json().path("items").get(5).path("spec").path("command").asText()).isEqualTo("python3 {clients}/python/bootstrap.py {handler}");
    }

    @Test
    void aFunctionOnALambdaLanguageEnvironmentMustNameItsHandler() {
        String sha = uploadScript();

        assertError(call("POST", "/v1/functions", function("orders", "python-lambda", sha, "")), 400, "entrypoint is missing", "python-lambda");
        assertThat(call("POST", "/v1/functions", function("orders", "python-lambda", sha, ",\"entrypoint\":\"app.handler\"")).status()).isEqualTo(201);
        assertThat(call("POST", "/v1/functions", function("custom", "lambda", sha, "")).status()).as("a bootstrap needs no handler").isEqualTo(201);
    }

    @Test
    void servesHealthAndOpenApiWithoutAToken() {
        assertThat(call("GET", "/healthz", HttpRequest.BodyPublishers.noBody(), null, null).status()).isEqualTo(200);
        Reply doc = call("GET", "/v1/openapi.yaml", HttpRequest.BodyPublishers.noBody(), null, null);
        assertThat(doc.status()).isEqualTo(200);
        assertThat(doc.text()).contains("openapi: 3.0", "/v1/triggers/http", "/v1/watch");
    }

    @Test
    void answersUnknownRoutesWithAJsonError() {
        assertError(call("GET", "/v1/nothing-here", null), 404, "no API route GET /v1/nothing-here");
        assertError(call("PATCH", "/v1/functions/x", "{}"), 404, "no API route PATCH");
    }

    @Test
    void refusesRequestsWithoutTheRightToken() {
        assertError(call("GET", "/v1/functions", HttpRequest.BodyPublishers.noBody(), null, null), 401, "missing API token");
        assertError(call("GET", "/v1/functions", HttpRequest.BodyPublishers.noBody(), "Bearer nope", null), 401, "wrong API token");
        assertError(call("POST", "/v1/packages", HttpRequest.BodyPublishers.ofString("x"), "Bearer nope", "x"), 401, "wrong API token");
        assertThat(controller.packages().list()).isEmpty();
    }

    @Test
    void storesDeduplicatesAndServesPackages() {
        byte[] bytes = "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8);
        Reply first = upload(bytes, "hello.sh");
        Reply second = upload(bytes, "hello.sh");

        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(200);
        assertThat(first.json().path("kind").asText()).isEqualTo("file");
        assertThat(first.json().path("size").asLong()).isEqualTo(bytes.length);
        String sha = first.json().path("sha256").asText();
        Reply got = call("GET", "/v1/packages/" + sha, null);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.text()).isEqualTo("#!/bin/sh\necho hi\n");
        assertThat(call("HEAD", "/v1/packages/" + sha, null).status()).isEqualTo(200);
        assertThat(call("HEAD", "/v1/packages/" + "0".repeat(64), null).status()).isEqualTo(404);
        assertError(call("GET", "/v1/packages/xyz", null), 400, "not a SHA-256");
    }

    @Test
    void refusesUnsafeAndOversizedPackages() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(buf)) {
            zip.putNextEntry(new ZipEntry("../../etc/evil"));
            zip.write(1);
        }
        assertError(upload(buf.toByteArray(), "evil.zip"), 400, "'../../etc/evil'", "'..'");
        assertError(upload(new byte[64 * 1024 + 1], "big.bin"), 413, "65536 bytes");
        // chunked, without a Content-Length: refused while streaming
        Reply chunked = call("POST", "/v1/packages", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[200_000])),
                "Bearer " + token, "big.bin");
        assertError(chunked, 413, "65536 bytes");
        assertThat(controller.packages().list()).isEmpty();
    }

    @Test
    void refusesOversizedUploadsOverHttp11AndStaysUsable() throws Exception {
        HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (HttpRequest.BodyPublisher body : List.of(HttpRequest.BodyPublishers.ofByteArray(new byte[100_000]),
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[300_000])))) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.port() + "/v1/packages"))
                    .header("Authorization", "Bearer " + token).POST(body).build();
            HttpResponse<String> r = h1.send(req, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(Json.MAPPER.readTree(r.body()).path("error").asText()).contains("65536 bytes");
        }
        assertThat(controller.packages().list()).isEmpty();
        HttpRequest small = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.port() + "/v1/packages"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1})).build();
        assertThat(h1.send(small, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
    }

    @Test
    void createsAFunctionWithItsCodeResolvedFromTheStore() {
        String sha = uploadScript();
        Reply created = call("POST", "/v1/functions", function("hello", "exec", sha, ""));

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.json().path("spec").path("code").path("filename").asText()).isEqualTo("hello.sh");
        assertThat(created.json().path("spec").path("timeout").asText()).isEqualTo("1m");
        Reply heap = call("POST", "/v1/functions", function("big", "java", sha, ",\"entrypoint\":\"a.B\",\"executor\":\"newdeploy\",\"memory\":\"1Gi\""));
        assertThat(heap.status()).as(heap.text()).isEqualTo(201);
        assertThat(heap.json().path("spec").path("memory").asText()).isEqualTo("1Gi");
        // the built-in environments took the first revisions
        assertThat(created.json().path("metadata").path("revision").asLong()).isEqualTo(Admission.BUILT_IN_ENVIRONMENTS.size() + 1);
        assertThat(heap.json().path("metadata").path("revision").asLong()).isEqualTo(Admission.BUILT_IN_ENVIRONMENTS.size() + 2);
        Reply limited = call("POST", "/v1/functions", function("limited", "exec", sha, ",\"memory\":\"128Mi\",\"cpu\":\"1.5\",\"env\":{\"B\":\"2\",\"A\":\"\"}"));
        assertThat(limited.status()).as(limited.text()).isEqualTo(201);
        assertThat(limited.json().path("spec").path("cpu").asText()).isEqualTo("1.5");
        assertThat(limited.json().path("spec").path("env").toString()).isEqualTo("{\"A\":\"\",\"B\":\"2\"}");
        Reply got = call("GET", "/v1/functions/hello", null);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().has("status")).isTrue();
        assertThat(got.json().path("kind").asText()).isEqualTo("Function");
        assertError(call("POST", "/v1/functions", function("hello", "exec", sha, "")), 409, "exists already");
    }

    @Test
    void refusesBadFunctionsAndChangesNothing() {
        String sha = uploadScript();
        long before = revision();

        assertError(call("POST", "/v1/functions", function("Bad_Name", "exec", sha, "")), 400, "metadata.name", "'Bad_Name'");
        assertError(call("POST", "/v1/functions", function("f", "nosuchenv", sha, "")), 422, "environment 'nosuchenv'");
        assertError(call("POST", "/v1/functions", function("f", "exec", "a".repeat(64), "")), 422, "package " + "a".repeat(64));
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"entrypiont\":\"x\"")), 400, "unknown field 'spec.entrypiont'");
        assertError(call("POST", "/v1/functions", function("f", "java", sha, "")), 400, "spec.entrypoint");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"timeout\":\"soon\"")), 400, "timeout");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"timeout\":\"16m\"")), 400, "spec.timeout", "15m", "16m");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"memory\":\"lots\"")), 400, "spec.memory", "512Mi");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"memory\":\"32Mi\"")), 400, "spec.memory", "64Mi");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"cpu\":\"lots\"")), 400, "spec.cpu", "250m");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"cpu\":\"5m\"")), 400, "spec.cpu", "10m");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"env\":{\"1X\":\"a\"}")), 400, "spec.env.1X", "letters");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"env\":{\"PORT\":\"1\"}")), 400, "spec.env.PORT", "reserved");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"env\":{\"http_x\":\"1\"}")), 400, "spec.env.http_x", "reserved");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"env\":{\"BIG\":\"" + "x".repeat(70_000) + "\"}")), 400, "spec.env", "64");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"faultTolerance\":{\"strategy\":\"hope\"}")), 400, "strategy", "'hope'");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"idempotent\":false,\"faultTolerance\":{\"strategy\":\"replicate\"}")),
                400, "spec.faultTolerance.strategy", "idempotent");
        assertError(call("POST", "/v1/functions", function("f", "exec", sha, ",\"faultTolerance\":{\"strategy\":\"active-standby\",\"heartbeatInterval\":\"1ms\"}")),
                400, "spec.faultTolerance.heartbeatInterval");
        assertError(call("POST", "/v1/functions", "{not json"), 400, "not valid JSON");
        assertError(call("PUT", "/v1/functions/g", function("f", "exec", sha, "")), 400, "differs");
        assertError(call("POST", "/v1/environments", "{\"kind\":\"Function\",\"metadata\":{\"name\":\"x\"}}"), 400, "kind 'Function'");
        assertError(call("GET", "/v1/functions/UPPER", null), 400, "invalid Function name");
        assertError(call("GET", "/v1/functions/nope", null), 404, "Function 'nope' does not exist");

        assertThat(revision()).isEqualTo(before);
        assertThat(call("GET", "/v1/functions", null).json().path("items")).isEmpty();
    }

    @Test
    void refusesJsonBodiesOverOneMebibyte() {
        String big = "{\"kind\":\"Environment\",\"metadata\":{\"name\":\"big\"},\"spec\":{\"runtime\":\"exec\",\"command\":\"" + "x".repeat(1 << 20) + "\"}}";
        assertError(call("POST", "/v1/environments", big), 413, "1048576 bytes");
    }

    @Test
    void anIdenticalPutChangesNothing() {
        String env = "{\"apiVersion\":\"tandem/v1\",\"kind\":\"Environment\",\"metadata\":{\"name\":\"python\"},\"spec\":{\"runtime\":\"http\",\"command\":\"python3 {code}\"}}";
        Reply first = call("PUT", "/v1/environments/python", env);
        long after = revision();
        Reply second = call("PUT", "/v1/environments/python", env);

        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(200);
        assertThat(revision()).isEqualTo(after);
        assertThat(second.json().path("metadata")).isEqualTo(first.json().path("metadata"));
        Reply changed = call("PUT", "/v1/environments/python", env.replace("python3", "python3.12"));
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.json().path("metadata").path("revision").asLong()).isEqualTo(after + 1);
        assertThat(changed.json().path("metadata").path("created").asText()).isEqualTo(first.json().path("metadata").path("created").asText());
    }

    @Test
    void refusesClashingTriggers() {
        String sha = uploadScript();
        call("POST", "/v1/functions", function("f", "exec", sha, ""));
        assertThat(call("POST", "/v1/triggers/http", trigger("a", "f", "GET", "/users/{id}")).status()).isEqualTo(201);
        assertThat(call("POST", "/v1/triggers/http", trigger("p", "f", "POST", "/api/*")).status()).isEqualTo(201);

        assertError(call("POST", "/v1/triggers/http", trigger("b", "f", "GET", "/users/{name}")), 409, "HttpTrigger 'a'");
        assertError(call("POST", "/v1/triggers/http", trigger("c", "f", "*", "/users/{x}")), 409, "HttpTrigger 'a'");
        assertError(call("PUT", "/v1/triggers/http/d", trigger("d", "f", "POST", "/api/*")), 409, "HttpTrigger 'p'");
        assertError(call("POST", "/v1/triggers/http", trigger("e", "nofn", "GET", "/e")), 422, "function 'nofn'");
        assertError(call("POST", "/v1/triggers/http", trigger("r", "f", "GET", "/function/f")), 400, "reserved");
        assertError(call("POST", "/v1/triggers/http", trigger("r", "f", "GET", "/metrics")), 400, "reserved");
        assertError(call("POST", "/v1/triggers/http", trigger("r", "f", "GET", "/readyz")), 400, "reserved");
        assertThat(call("POST", "/v1/triggers/http", trigger("g", "f", "PUT", "/users/{id}")).status()).isEqualTo(201);
        assertThat(call("PUT", "/v1/triggers/http/a", trigger("a", "f", "GET", "/users/{uid}")).status()).isEqualTo(200);
    }

    @Test
    void refusesToDeleteAnEnvironmentInUseAndCascadesFunctionDeletes() {
        String sha = uploadScript();
        call("PUT", "/v1/environments/python", "{\"spec\":{\"runtime\":\"http\",\"command\":\"python3 {code}\"}}");
        call("POST", "/v1/functions", function("f1", "python", sha, ""));
        call("POST", "/v1/functions", function("f2", "python", sha, ""));
        call("POST", "/v1/triggers/http", trigger("t1", "f1", "GET", "/one"));
        call("POST", "/v1/triggers/http", trigger("t2", "f1", "GET", "/two"));

        assertError(call("DELETE", "/v1/environments/python", null), 409, "f1, f2");
        assertError(call("DELETE", "/v1/environments/java", null), 409, "built in");
        assertError(call("DELETE", "/v1/packages/" + sha, null), 409, "function 'f1'");
        Reply deleted = call("DELETE", "/v1/functions/f1", null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().path("deletedTriggers").findValuesAsText("")).isEmpty();
        assertThat(deleted.json().path("deletedTriggers").toString()).isEqualTo("[\"t1\",\"t2\"]");
        assertThat(call("GET", "/v1/triggers/http", null).json().path("items")).isEmpty();
        assertThat(call("DELETE", "/v1/functions/f2", null).status()).isEqualTo(200);
        assertThat(call("DELETE", "/v1/environments/python", null).status()).isEqualTo(200);
        assertError(call("DELETE", "/v1/environments/python", null), 404, "does not exist");
        assertThat(call("DELETE", "/v1/packages/" + sha, null).status()).isEqualTo(200);
    }

    @Test
    void deletesOnlyUnusedPackages() {
        String used = uploadScript();
        String unused = upload(new byte[] {1, 2, 3}, "junk.bin").json().path("sha256").asText();
        call("POST", "/v1/functions", function("f", "exec", used, ""));

        assertThat(controller.deleteUnusedPackages(Duration.ofHours(1)).await()).isEmpty();
        assertThat(controller.deleteUnusedPackages(Duration.ZERO).await()).containsExactly(unused);
        assertThat(controller.packages().list()).containsExactly(used);
    }

    @Test
    void servesStatusAndLogsWithoutAClusterView() {
        Reply status = call("GET", "/v1/status", null);
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.json().path("instances").isArray()).isTrue();
        assertError(call("GET", "/v1/functions/ghost/logs", null), 404, "Function 'ghost'");
        String sha = uploadScript();
        call("POST", "/v1/functions", function("f", "exec", sha, ""));
        assertThat(call("GET", "/v1/functions/f/logs?tail=5", null).status()).isEqualTo(200);
        assertError(call("GET", "/v1/functions/f/logs?tail=-1", null), 400, "tail");
    }

    @Test
    void watchStreamsTheLogThenLiveChanges() throws Exception {
        call("PUT", "/v1/environments/one", "{\"spec\":{\"runtime\":\"exec\"}}");
        List<JsonNode> lines = new CopyOnWriteArrayList<>();
        int builtIns = Admission.BUILT_IN_ENVIRONMENTS.size(); // revisions 1 to builtIns
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.port() + "/v1/watch?since=" + builtIns))
                .header("Authorization", "Bearer " + token).build();
        HttpResponse<Stream<String>> resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
        assertThat(resp.statusCode()).isEqualTo(200);
        Thread reader = Thread.ofVirtual().start(() -> resp.body().filter(l -> !l.isBlank()).forEach(l -> {
            try {
                lines.add(Json.MAPPER.readTree(l));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
        call("PUT", "/v1/environments/two", "{\"spec\":{\"runtime\":\"exec\"}}");
        call("DELETE", "/v1/environments/one", null);

        await().atMost(Duration.ofSeconds(10)).until(() -> lines.size() == 3);
        assertThat(lines).extracting(l -> l.path("revision").asLong() + " " + l.path("type").asText() + " " + l.path("resource").path("metadata").path("name").asText())
                .containsExactly((builtIns + 1) + " ADDED one", (builtIns + 2) + " ADDED two", (builtIns + 3) + " DELETED one");
        assertThat(call("GET", "/v1/watch?since=99", null).status()).isEqualTo(410);
        assertError(call("GET", "/v1/watch?since=x", null), 400, "since");
        reader.interrupt();
    }

    @Test
    void refusesASecondControllerOnTheSameHome() {
        Controller second = new Controller(home, vertx, "127.0.0.1", 0, null);
        assertThat(second.start().toCompletionStage().toCompletableFuture())
                .failsWithin(Duration.ofSeconds(30)).withThrowableThat().withMessageContaining("in use by another controller");
        assertThat(call("GET", "/v1/environments", null).status()).isEqualTo(200);
    }

    @Test
    void restartRestoresEverything() {
        String sha = uploadScript();
        call("POST", "/v1/functions", function("f", "exec", sha, ",\"faultTolerance\":{\"strategy\":\"active-standby\"}"));
        call("POST", "/v1/triggers/http", trigger("t", "f", "GET", "/hello"));
        long before = revision();
        controller.stop().await();

        controller = new Controller(home, vertx, "127.0.0.1", 0, null);
        controller.start().await();

        assertThat(revision()).isEqualTo(before);
        Reply f = call("GET", "/v1/functions/f", null);
        assertThat(f.json().path("spec").path("faultTolerance").path("strategy").asText()).isEqualTo("active-standby");
        assertThat(call("GET", "/v1/triggers/http/t", null).json().path("spec").path("path").asText()).isEqualTo("/hello");
        assertThat(call("GET", "/v1/packages/" + sha, null).text()).isEqualTo("#!/bin/sh\necho hi\n");
        assertThat(call("PUT", "/v1/environments/more", "{\"spec\":{\"runtime\":\"exec\"}}").json().path("metadata").path("revision").asLong())
                .isEqualTo(before + 1);
    }
}
