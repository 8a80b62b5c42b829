package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.http.ApiException;
import io.tandem.model.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The user's path through Tandem: one server with two real agents; the examples deployed with apply and called. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndTest {
    static RunningServer tandem;
    static final Path specs = RunningServer.repoRoot().resolve("examples/specs");

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        tandem = new RunningServer(2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tandem != null) tandem.close();
    }

    @Test
    @Order(1)
    void applyDeploysEveryExampleAndIsIdempotent() {
        String first = captureOut(() -> assertThat(tandem.cli("apply", "-f", specs.toString())).isZero());
        assertThat(first).contains("Function/hello created", "HttpTrigger/");
        String second = captureOut(() -> assertThat(tandem.cli("apply", "-f", specs.toString())).isZero());
        assertThat(second).doesNotContain("created").doesNotContain("configured").contains("Function/hello unchanged");
    }

    @Test
    @Order(2)
    void examplesAnswerThroughTheirTriggersAndByName() throws Exception {
        HttpResponse<String> hello = tandem.get("/hello?name=Ada");
        assertThat(hello.statusCode()).as(hello.body()).isEqualTo(200);
        assertThat(hello.body()).contains("Hello, Ada!");

        HttpResponse<String> fib = tandem.get("/function/fibonacci?n=20");
        assertThat(fib.statusCode()).as(fib.body()).isEqualTo(200);
        assertThat(fib.body()).contains("6765");

        HttpResponse<String> lambda = tandem.post("/function/hello-lambda", "{\"name\":\"Grace\"}");
        assertThat(lambda.statusCode()).as(lambda.body()).isEqualTo(200);
        assertThat(lambda.body()).contains("Grace");

        HttpResponse<String> exec = tandem.post("/function/exec-hello", "from stdin");
        assertThat(exec.statusCode()).as(exec.body()).isEqualTo(200);
        assertThat(exec.body()).contains("from stdin").contains("POST");

        HttpResponse<String> http = tandem.get("/function/http-hello");
        assertThat(http.statusCode()).as(http.body()).isEqualTo(200);

        HttpResponse<String> python = tandem.post("/python-orders", "{\"httpMethod\":\"POST\",\"path\":\"/orders\",\"body\":\"{\\\"item\\\":\\\"tea\\\",\\\"quantity\\\":2}\"}");
        assertThat(python.statusCode()).as(python.body()).isEqualTo(200);
        JsonNode created = Json.MAPPER.readTree(python.body());
        assertThat(created.path("statusCode").asInt()).isEqualTo(201);
        assertThat(Json.MAPPER.readTree(created.path("body").asText()).path("item").asText()).isEqualTo("tea");

        HttpResponse<String> node = tandem.post("/node-sqs", "{\"Records\":[{\"messageId\":\"m1\",\"body\":\"{\\\"item\\\":\\\"tea\\\",\\\"quantity\\\":2}\"},"
                + "{\"messageId\":\"m2\",\"body\":\"not json\"}]}");
        assertThat(node.statusCode()).as(node.body()).isEqualTo(200);
        assertThat(node.body()).isEqualTo("{\"batchItemFailures\":[{\"itemIdentifier\":\"m2\"}]}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(captureOut(() -> tandem.cli("fn", "logs", "--name", "node-sqs")))
                .contains("INFO\torder m1: 2 x tea").contains("ERROR\trecord m2 failed"));
    }

    @Test
    @Order(3)
    void statusListsNodesAndInstancesWithTheirRoles() {
        JsonNode status = tandem.client.get("/v1/status");
        assertThat(status.path("nodes")).hasSize(2);
        List<String> functions = new ArrayList<>();
        for (JsonNode i : status.path("instances")) {
            assertThat(i.has("node") && i.has("role") && i.has("state") && i.has("pid") && i.has("port")).as(i.toString()).isTrue();
            functions.add(i.path("function").asText());
        }
        assertThat(functions).contains("hello", "fibonacci");
        String table = captureOut(() -> assertThat(tandem.cli("status")).isZero());
        assertThat(table).contains("NODE", "n1", "n2", "hello");
    }

    @Test
    @Order(4)
    void unknownFunctionIs404WithJsonError() throws Exception {
        HttpResponse<String> r = tandem.get("/function/nope");
        assertThat(r.statusCode()).isEqualTo(404);
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.path("error").asText()).isNotBlank();
    }

    @Test
    @Order(5)
    void jarWithoutTheEntrypointClassIsReportedInTheResponseAndInFnGet() throws Exception {
        Path jar = tmp.resolve("empty.jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.write("Manifest-Version: 1.0\n".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        assertThat(tandem.cli("fn", "create", "--name", "broken", "--env", "java", "--code", jar.toString(),
                "--entrypoint", "example.Missing")).isZero();

        HttpResponse<String> r = tandem.get("/function/broken");
        assertThat(r.statusCode()).isGreaterThanOrEqualTo(500);
        assertThat(r.body()).contains("example.Missing");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(tandem.client.get("/v1/functions/broken").path("status").toString()).contains("example.Missing"));
    }

    @Test
    @Order(6)
    void badInputIsRefusedWithAClearErrorAndChangesNothing() throws Exception {
        String err = captureErr(() -> assertThat(tandem.cli("fn", "create", "--name", "Bad_Name", "--env", "java",
                "--code", "x.jar")).isNotZero());
        assertThat(err).contains("invalid name");

        Path file = tmp.resolve("f.sh");
        Files.writeString(file, "#!/bin/sh\necho hi\n");
        err = captureErr(() -> assertThat(tandem.cli("fn", "create", "--name", "ghost", "--env", "no-such-env",
                "--code", file.toString())).isEqualTo(1));
        assertThat(err).contains("no-such-env");
        try {
            tandem.client.get("/v1/functions/ghost");
            throw new AssertionError("ghost was created");
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(404);
        }
    }

    @Test
    @Order(7)
    void anAgentStartedLaterJoinsAsANewNodeAndLeavesWhenKilled() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.tandem.cli.Main", "agent", "--name", "n3")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("agent.log").toFile());
        pb.environment().put("TANDEM_HOME", tandem.home.root().toString());
        Process agent = pb.start();
        try {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(nodeState("n3")).isEqualTo("alive"));
            // The joined node takes its share of the warm pools.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                boolean poolOnN3 = false;
                for (JsonNode i : tandem.client.get("/v1/status").path("instances")) {
                    poolOnN3 |= "n3".equals(i.path("node").asText()) && "pool".equals(i.path("role").asText());
                }
                assertThat(poolOnN3).isTrue();
            });
        } finally {
            agent.destroyForcibly().waitFor();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(nodeState("n3")).isEqualTo("dead"));
    }

    private static String nodeState(String node) {
        for (JsonNode n : tandem.client.get("/v1/status").path("nodes")) {
            if (node.equals(n.path("name").asText())) return n.path("state").asText();
        }
        return "absent";
    }

    @Test
    @Order(8)
    void aLambdaCustomRuntimeServesThroughTheBuiltInLambdaEnvironment() throws Exception {
        Path bootstrap = tmp.resolve("bootstrap.sh");
        Files.writeString(bootstrap, """
                #!/bin/bash
                api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
                head_file=$(mktemp)
                while true; do
                  event=$(curl -s -D "$head_file" "$api/invocation/next")
                  id=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$head_file" | cut -d' ' -f2 | tr -d '\\r')
                  case "$event" in
                    *fail*) curl -s -X POST "$api/invocation/$id/error" -d '{"errorMessage":"no","errorType":"Refused","stackTrace":[]}' > /dev/null ;;
                    *) echo "handled $id"; curl -s -X POST "$api/invocation/$id/response" -d "{\\"got\\":$event,\\"fn\\":\\"$AWS_LAMBDA_FUNCTION_NAME\\"}" > /dev/null ;;
                  esac
                done
                """);
        assertThat(tandem.cli("fn", "create", "--name", "custom-lambda", "--env", "lambda", "--code", bootstrap.toString())).isZero();

        HttpResponse<String> answered = tandem.post("/function/custom-lambda", "{\"n\":1}");
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        assertThat(answered.body()).isEqualTo("{\"got\":{\"n\":1},\"fn\":\"custom-lambda\"}");

        HttpResponse<String> failed = tandem.post("/function/custom-lambda", "{\"please\":\"fail\"}");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.headers().firstValue("X-Amz-Function-Error")).hasValue("Unhandled");
        assertThat(failed.body()).contains("\"errorMessage\":\"no\"").contains("\"errorType\":\"Refused\"");
        assertThat(tandem.cli("fn", "delete", "--name", "custom-lambda")).isZero();
    }

    @Test
    @Order(9)
    void anHttpFunctionRunsItsUploadedJarWithJavaDashJarJar() throws Exception {
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        int compiled = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                RunningServer.repoRoot().resolve("examples/http/Server.java").toString());
        assertThat(compiled).isZero();
        Path jar = tmp.resolve("server.jar");
        var manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Server");
        try (var out = new JarOutputStream(Files.newOutputStream(jar), manifest); var files = Files.list(classes)) {
            for (Path file : files.toList()) {
                out.putNextEntry(new JarEntry(file.getFileName().toString()));
                out.write(Files.readAllBytes(file));
                out.closeEntry();
            }
        }
        assertThat(tandem.cli("env", "create", "--name", "fat-jar", "--runtime", "http", "--command", "{java} -jar {jar}")).isZero();
        assertThat(tandem.cli("fn", "create", "--name", "jar-hello", "--env", "fat-jar", "--code", jar.toString())).isZero();

        HttpResponse<String> answered = tandem.get("/function/jar-hello/from-the-jar");
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        assertThat(answered.body()).contains("Hello from a plain Java server").contains("/from-the-jar");
        assertThat(tandem.cli("fn", "delete", "--name", "jar-hello")).isZero();
        assertThat(tandem.cli("env", "delete", "--name", "fat-jar")).isZero();
    }

    @Test
    @Order(10)
    void deleteRemovesEverythingTheSpecsDeclared() throws Exception {
        assertThat(tandem.cli("delete", "-f", specs.toString())).isZero();
        HttpResponse<String> r = tandem.get("/hello");
        assertThat(r.statusCode()).isEqualTo(404);
    }

    static String captureOut(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    static String captureErr(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
