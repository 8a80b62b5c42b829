package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.model.Json;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * The Lambda Invoke API of a real server, called by the AWS SDK for Java's own {@link LambdaClient} with its endpoint
 * set to the router and the API token as its secret access key: Java Lambda handlers invoked synchronously, by name
 * and by ARN, with their log tail, failing, queued as {@code Event} (with NATS on 127.0.0.1:4222, skipped without
 * it), dry-run; and what a wrong secret and an unknown function get.
 */
class LambdaInvokeEndToEndTest {
    static RunningServer tandem;
    static LambdaClient lambda;

    @BeforeAll
    static void start() throws Exception {
        tandem = new RunningServer(1);
        Path jar = Files.createTempFile("handlers", ".jar");
        Files.write(jar, handlerJar(Map.of("Greeter", """
                package example;
                import com.amazonaws.services.lambda.runtime.Context;
                import com.amazonaws.services.lambda.runtime.RequestHandler;
                import java.util.Map;
                public class Greeter implements RequestHandler<Map<String, Object>, String> {
                    public String handleRequest(Map<String, Object> input, Context context) {
                        System.out.println("printed for " + input.get("name"));
                        context.getLogger().log("logged for " + input.get("name"));
                        return "Hello, " + input.get("name") + "!";
                    }
                }
                """, "Failing", """
                package example;
                import com.amazonaws.services.lambda.runtime.Context;
                import com.amazonaws.services.lambda.runtime.RequestHandler;
                import java.util.Map;
                public class Failing implements RequestHandler<Map<String, Object>, String> {
                    public String handleRequest(Map<String, Object> input, Context context) {
                        throw new IllegalStateException("no greeting for " + input.get("name"));
                    }
                }
                """)));
        assertThat(tandem.cli("fn", "create", "--name", "greeter", "--env", "java", "--code", jar.toString(), "--entrypoint", "example.Greeter")).isZero();
        assertThat(tandem.cli("fn", "create", "--name", "failing", "--env", "java", "--code", jar.toString(), "--entrypoint", "example.Failing")).isZero();
        lambda = client(tandem.home.readToken());
    }

    @AfterAll
    static void stop() throws Exception {
        if (lambda != null) lambda.close();
        if (tandem != null) tandem.close();
    }

    static LambdaClient client(String secret) {
        return LambdaClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + tandem.server.routerPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("tandem", secret)))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(60)))
                .build();
    }

    static InvokeResponse invoke(String function, String payload) {
        return lambda.invoke(b -> b.functionName(function).payload(SdkBytes.fromUtf8String(payload)));
    }

    @Test
    void invokesAHandlerAndAnswersWithItsResult() {
        InvokeResponse r = invoke("greeter", "{\"name\": \"Ada\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.payload().asUtf8String()).isEqualTo("\"Hello, Ada!\"");
        assertThat(r.functionError()).isNull();
        assertThat(r.executedVersion()).isEqualTo("$LATEST");
        assertThat(r.responseMetadata().requestId()).isNotBlank();
    }

    @Test
    void takesTheFunctionByArnWithTheLatestQualifier() {
        InvokeResponse r = lambda.invoke(b -> b.functionName("arn:aws:lambda:eu-west-1:123456789012:function:greeter").qualifier("$LATEST")
                .payload(SdkBytes.fromUtf8String("{\"name\": \"Grace\"}")));
        assertThat(r.payload().asUtf8String()).isEqualTo("\"Hello, Grace!\"");
    }

    @Test
    void aLogTailHoldsWhatTheHandlerPrintedBetweenStartAndReport() {
        InvokeResponse r = lambda.invoke(b -> b.functionName("greeter").logType(LogType.TAIL).payload(SdkBytes.fromUtf8String("{\"name\": \"Tail\"}")));
        assertThat(r.payload().asUtf8String()).isEqualTo("\"Hello, Tail!\"");
        String log = new String(Base64.getDecoder().decode(r.logResult()), StandardCharsets.UTF_8);
        String id = r.responseMetadata().requestId();
        assertThat(log).startsWith("START RequestId: " + id).contains("printed for Tail").contains("logged for Tail")
                .contains("END RequestId: " + id).contains("REPORT RequestId: " + id + "\tDuration: ");
        assertThat(log.indexOf("printed for Tail")).isLessThan(log.indexOf("END RequestId"));
    }

    @Test
    void aHandlerThatThrowsIsAFunctionErrorWithItsMessage() {
        InvokeResponse r = invoke("failing", "{\"name\": \"Bob\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.functionError()).isEqualTo("Unhandled");
        assertThat(r.payload().asUtf8String()).contains("no greeting for Bob");
    }

    @Test
    void anUnknownFunctionIsResourceNotFound() {
        assertThatThrownBy(() -> invoke("nobody", "{}")).isInstanceOfSatisfying(ResourceNotFoundException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(404);
            assertThat(e.awsErrorDetails().errorMessage()).contains("nobody");
        });
    }

    @Test
    void aWrongSecretIsRefusedWithHowToSign() {
        try (LambdaClient wrong = client("not-the-token")) {
            assertThatThrownBy(() -> wrong.invoke(b -> b.functionName("greeter").payload(SdkBytes.fromUtf8String("{}"))))
                    .isInstanceOfSatisfying(LambdaException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
                        assertThat(e.awsErrorDetails().errorMessage()).contains("API token as the secret access key");
                    });
        }
    }

    @Test
    void anUnsignedCallIsRefused() throws Exception {
        HttpResponse<String> r = tandem.post("/2015-03-31/functions/greeter/invocations", "{}");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("X-Amzn-ErrorType")).hasValue("MissingAuthenticationTokenException");
        assertThat(r.headers().firstValue("x-amzn-RequestId")).isPresent();
        assertThat(Json.read(r.body(), JsonNode.class).path("Type").asText()).isEqualTo("User");
    }

    @Test
    void aDryRunChecksWithoutInvoking() {
        InvokeResponse r = lambda.invoke(b -> b.functionName("greeter").invocationType(InvocationType.DRY_RUN));
        assertThat(r.statusCode()).isEqualTo(204);
        assertThatThrownBy(() -> lambda.invoke(b -> b.functionName("nobody").invocationType(InvocationType.DRY_RUN)))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void anEventIsQueuedAndRunLater() throws Exception {
        assumeTrue(natsListens(), "no NATS on 127.0.0.1:4222 (scripts/services.sh starts one)");
        InvokeResponse r = lambda.invoke(b -> b.functionName("greeter").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String("{\"name\": \"Eve\"}")));
        assertThat(r.statusCode()).isEqualTo(202);
        String id = r.sdkHttpResponse().firstMatchingHeader("X-Call-Id").orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> state(id).path("state").asText().equals("succeeded"));
        assertThat(state(id).path("body").asText()).isEqualTo("\"Hello, Eve!\"");
    }

    private static JsonNode state(String id) throws Exception {
        HttpResponse<String> r = tandem.get("/async-calls/" + id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body(), JsonNode.class);
    }

    private static boolean natsListens() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 4222), 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** A jar of Lambda handler classes in package {@code example}, each compiled here from its source. */
    private static byte[] handlerJar(Map<String, String> sources) throws Exception {
        Path dir = Files.createTempDirectory("handlers");
        Path classes = dir.resolve("classes");
        String lambdaCore = Path.of(Class.forName("com.amazonaws.services.lambda.runtime.RequestHandler")
                .getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> source : sources.entrySet()) {
                Path src = dir.resolve("src/example/" + source.getKey() + ".java");
                Files.createDirectories(src.getParent());
                Files.writeString(src, source.getValue());
                assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "--release", "21", "-d", classes.toString(), "-cp", lambdaCore,
                        src.toString())).isZero();
                zip.putNextEntry(new ZipEntry("example/" + source.getKey() + ".class"));
                zip.write(Files.readAllBytes(classes.resolve("example/" + source.getKey() + ".class")));
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
