package io.tandem.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.runtime.Json;
import io.tandem.runtime.TestInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaRuntimeTest {
    private static final Map<String, String> SOURCES = Map.ofEntries(
            Map.entry("fn/Echo.java", """
                    package fn;
                    import io.tandem.function.*;
                    public class Echo implements Handler {
                        public Response handle(Request r, Context c) {
                            c.logger().log("echo called");
                            return Response.ok(r.method() + " " + r.path() + " name=" + r.queryParameter("name").orElse("-")
                                    + " x-test=" + r.header("x-test").orElse("-") + " body=" + r.bodyAsString() + " fn=" + c.functionName())
                                    .withStatus(201).withHeader("X-Reply", "yes");
                        }
                    }
                    """),
            Map.entry("fn/Order.java", """
                    package fn;
                    public class Order { public String item; public int quantity; }
                    """),
            Map.entry("fn/JsonHandler.java", """
                    package fn;
                    public abstract class JsonHandler<I> implements com.amazonaws.services.lambda.runtime.RequestHandler<I, java.util.Map<String, Object>> {}
                    """),
            Map.entry("fn/OrderHandler.java", """
                    package fn;
                    import com.amazonaws.services.lambda.runtime.Context;
                    public class OrderHandler extends JsonHandler<Order> {
                        public java.util.Map<String, Object> handleRequest(Order order, Context c) {
                            c.getLogger().log("order " + order.item);
                            return java.util.Map.of("item", order.item, "total", order.quantity * 2,
                                    "fn", c.getFunctionName(), "timeLeft", c.getRemainingTimeInMillis() > 0);
                        }
                    }
                    """),
            Map.entry("fn/Shout.java", """
                    package fn;
                    import com.amazonaws.services.lambda.runtime.*;
                    public class Shout implements RequestHandler<String, String> {
                        public String handleRequest(String text, Context c) { return text.toUpperCase(); }
                    }
                    """),
            Map.entry("fn/Reverse.java", """
                    package fn;
                    import com.amazonaws.services.lambda.runtime.*;
                    import java.io.*;
                    public class Reverse implements RequestStreamHandler {
                        public void handleRequest(InputStream in, OutputStream out, Context c) throws IOException {
                            out.write(new StringBuilder(new String(in.readAllBytes())).reverse().toString().getBytes());
                        }
                    }
                    """),
            Map.entry("fn/Statics.java", """
                    package fn;
                    public class Statics {
                        private Statics() {}
                        public static String greet(java.util.Map<String, Object> in) { return "hi " + in.get("name"); }
                    }
                    """),
            Map.entry("fn/Boom.java", """
                    package fn;
                    import io.tandem.function.*;
                    public class Boom implements Handler {
                        public Response handle(Request r, Context c) { throw new IllegalStateException("boom"); }
                    }
                    """),
            Map.entry("fn/Refuse.java", """
                    package fn;
                    import com.amazonaws.services.lambda.runtime.*;
                    public class Refuse implements RequestHandler<java.util.Map<String, Object>, String> {
                        public String handleRequest(java.util.Map<String, Object> order, Context c) {
                            throw new IllegalArgumentException("no such order " + order.get("id"), new java.io.IOException("store down"));
                        }
                    }
                    """),
            Map.entry("fn/Peek.java", """
                    package fn;
                    import io.tandem.function.*;
                    public class Peek implements Handler {
                        public Response handle(Request r, Context c) {
                            return Response.ok(seen("com.fasterxml.jackson.databind.ObjectMapper") + " " + seen("io.tandem.runtime.Main"));
                        }
                        private static String seen(String name) {
                            try { Class.forName(name); return "visible"; } catch (ClassNotFoundException e) { }
                            try { Class.forName(name, false, Thread.currentThread().getContextClassLoader()); return "visible"; }
                            catch (ClassNotFoundException e) { return "hidden"; }
                        }
                    }
                    """),
            Map.entry("fn/Rendezvous.java", """
                    package fn;
                    import io.tandem.function.*;
                    import java.util.concurrent.*;
                    public class Rendezvous implements Handler {
                        private final CyclicBarrier barrier = new CyclicBarrier(2);
                        public Response handle(Request r, Context c) throws Exception {
                            barrier.await(20, TimeUnit.SECONDS);
                            return Response.ok("met");
                        }
                    }
                    """),
            Map.entry("fn/Spill.java", """
                    package fn;
                    import com.amazonaws.services.lambda.runtime.*;
                    import java.io.*;
                    public class Spill implements RequestStreamHandler {
                        public void handleRequest(InputStream in, OutputStream out, Context c) throws IOException {
                            out.write(new byte[Integer.parseInt(new String(in.readAllBytes()).trim())]);
                            throw new IOException("disk on fire");
                        }
                    }
                    """),
            Map.entry("fn/Spin.java", """
                    package fn;
                    import io.tandem.function.*;
                    import java.nio.file.*;
                    public class Spin implements Handler {
                        public Response handle(Request r, Context c) throws Exception {
                            Path dir = Path.of(r.queryParameter("dir").orElseThrow());
                            Files.createFile(dir.resolve("started-" + c.requestId()));
                            long spins = 0;
                            while (!Files.exists(dir.resolve("release"))) spins++; // busy: never yields its thread
                            return Response.ok("spun " + (spins > 0));
                        }
                    }
                    """),
            Map.entry("fn/NotAHandler.java", """
                    package fn;
                    public class NotAHandler { public String handle(String s) { return s; } }
                    """),
            Map.entry("fn/NeedsArgs.java", """
                    package fn;
                    import io.tandem.function.*;
                    public class NeedsArgs implements Handler {
                        public NeedsArgs(String config) {}
                        public Response handle(Request r, Context c) { return Response.ok("never"); }
                    }
                    """));

    @TempDir
    static Path dir;
    static Path jar;
    static Path classes;

    private TestInstance instance;

    @BeforeAll
    static void buildFunctions() throws IOException {
        classes = FunctionJars.compile(dir, SOURCES);
        jar = FunctionJars.jar(dir.resolve("fn.jar"), classes);
    }

    @AfterEach
    void stop() {
        if (instance != null) instance.close();
    }

    private TestInstance specialized(String entrypoint) {
        return specialized(jar, entrypoint);
    }

    private TestInstance specialized(Path code, String entrypoint) {
        instance = TestInstance.generic("java");
        HttpResponse<String> response = instance.specialize(spec("f1", code, entrypoint));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"function\":\"f1\"").contains("\"loadMillis\":");
        return instance;
    }

    private static String spec(String function, Path code, String entrypoint) {
        return "{\"function\":\"" + function + "\",\"code\":\"" + code + "\",\"entrypoint\":\"" + entrypoint + "\"}";
    }

    @Test
    void healthAnswersWhileCpuBoundCallsOccupyMoreThreadsThanCores() throws Exception {
        specialized("fn.Spin");
        Path spinDir = java.nio.file.Files.createTempDirectory(dir, "spin");
        int calls = java.lang.Runtime.getRuntime().availableProcessors() + 2;
        java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> running = new java.util.ArrayList<>();
        for (int i = 0; i < calls; i++) {
            running.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> instance.get("/?dir=" + spinDir)));
        }
        try {
            // Every call runs at once, on its own thread, and the instance still answers its probe meanwhile.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
                try (var files = java.nio.file.Files.list(spinDir)) {
                    return files.count() == calls;
                }
            });
            HttpResponse<String> health = instance.get("/_/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(running).noneMatch(java.util.concurrent.CompletableFuture::isDone);
        } finally {
            java.nio.file.Files.createFile(spinDir.resolve("release"));
        }
        for (var call : running) assertThat(call.get(30, java.util.concurrent.TimeUnit.SECONDS).body()).isEqualTo("spun true");
    }

    @Test
    void aLeasedInstanceServesOnlyItsEpochAndOnlyWhileTheLeaseLasts() {
        specialized("fn.Echo");
        assertThat(instance.get("/_/health?epoch=1&lease=60000").statusCode()).as("a grant without the secret").isEqualTo(403);
        assertThat(instance.post("/x", "a", "X-Tandem-Epoch", "1").statusCode()).as("no lease yet").isEqualTo(503);
        assertThat(instance.getAsPlatform("/_/health?epoch=1&lease=60000").statusCode()).isEqualTo(200);
        assertThat(instance.post("/x", "a", "X-Tandem-Epoch", "1").statusCode()).isEqualTo(201);

        HttpResponse<String> stale = instance.post("/x", "a", "X-Tandem-Epoch", "0");
        assertThat(stale.statusCode()).isEqualTo(503);
        assertThat(stale.headers().firstValue("X-Tandem-Fenced")).contains("true");
        assertThat(stale.body()).contains("instance fenced").contains("epoch 0");

        assertThat(instance.getAsPlatform("/_/health?epoch=0&lease=60000").statusCode()).isEqualTo(409);
        assertThat(instance.getAsPlatform("/_/health?epoch=2&lease=1").statusCode()).isEqualTo(200);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(instance.post("/x", "a").body()).contains("lease of epoch 2 ran out"));
        assertThat(instance.getAsPlatform("/_/health?epoch=x").statusCode()).isEqualTo(400);
    }

    @Test
    void tandemHandlerSeesTheRequestAndShapesTheResponse() {
        specialized("fn.Echo");

        HttpResponse<String> response = instance.post("/a/b?name=J%C3%BCrgen", "payload", "X-Test", "42");

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo("POST /a/b name=Jürgen x-test=42 body=payload fn=f1");
        assertThat(response.headers().firstValue("X-Reply")).contains("yes");
        assertThat(response.headers().firstValue("Content-Type")).contains("text/plain; charset=utf-8");
    }

    @Test
    void lambdaRequestHandlerReadsItsPojoInputFoundThroughTheSuperclass() {
        specialized("fn.OrderHandler");

        HttpResponse<String> response = instance.post("/", "{\"item\":\"tea\",\"quantity\":3,\"extra\":true}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(response.body()).contains("\"item\":\"tea\"").contains("\"total\":6").contains("\"fn\":\"f1\"").contains("\"timeLeft\":true");
    }

    @Test
    void lambdaRequestHandlerAnswers400ToABodyThatIsNotItsInput() {
        specialized("fn.OrderHandler");

        HttpResponse<String> response = instance.post("/", "{\"quantity\":\"many\"");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("bad request body").contains("fn.Order");
    }

    @Test
    void lambdaStringHandlerGetsTheRawBodyAndAnswersAJsonString() {
        specialized("fn.Shout");

        HttpResponse<String> response = instance.post("/", "hello");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("\"HELLO\"");
    }

    @Test
    void lambdaStreamHandlerStreamsRawBytes() {
        specialized("fn.Reverse");

        HttpResponse<String> response = instance.post("/", "stressed");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("desserts");
    }

    @Test
    void streamHandlerThatFailsEarlyGets500WithLambdasErrorDocument() throws IOException {
        specialized("fn.Spill");

        HttpResponse<String> response = instance.post("/", "10");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("X-Amz-Function-Error")).hasValue("Unhandled");
        JsonNode error = Json.MAPPER.readTree(response.body());
        assertThat(error.path("errorType").asText()).isEqualTo("java.io.IOException");
        assertThat(error.path("errorMessage").asText()).isEqualTo("disk on fire");
    }

    @Test
    void streamHandlerThatFailsAfterItsBodyStreamedDropsTheConnectionInsteadOfFaking200() {
        specialized("fn.Spill");

        assertThatThrownBy(() -> instance.post("/", "1000000")).isInstanceOf(UncheckedIOException.class);
        assertThat(instance.post("/", "1").statusCode()).isEqualTo(500);
    }

    @Test
    void invocationsRunConcurrentlyOnOneHandler() {
        specialized("fn.Rendezvous");

        var first = instance.sendAsync(instance.request("/").GET().build());
        var second = instance.sendAsync(instance.request("/").GET().build());

        assertThat(first.join().body()).isEqualTo("met");
        assertThat(second.join().body()).isEqualTo("met");
    }

    @Test
    void methodEntrypointBindsAStaticMethodOfLambdaShape() {
        specialized("fn.Statics::greet");

        assertThat(instance.post("/", "{\"name\":\"ada\"}").body()).isEqualTo("\"hi ada\"");
    }

    @Test
    void handlerThatThrowsGives500WithTheException() {
        specialized("fn.Boom");

        HttpResponse<String> response = instance.get("/");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("{\"error\":\"function failed\",\"detail\":\"java.lang.IllegalStateException: boom\"}");
        assertThat(response.headers().firstValue("X-Amz-Function-Error")).isEmpty();
    }

    @Test
    void lambdaHandlerThatThrowsGivesLambdasErrorDocumentAndFunctionErrorHeader() throws IOException {
        specialized("fn.Refuse");

        HttpResponse<String> response = instance.post("/", "{\"id\":42}");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("X-Amz-Function-Error")).hasValue("Unhandled");
        JsonNode error = Json.MAPPER.readTree(response.body());
        assertThat(error.path("errorMessage").asText()).isEqualTo("no such order 42");
        assertThat(error.path("errorType").asText()).isEqualTo("java.lang.IllegalArgumentException");
        assertThat(error.path("stackTrace").isArray()).isTrue();
        assertThat(error.path("stackTrace").get(0).asText()).startsWith("fn.Refuse.handleRequest(Refuse.java:");
        assertThat(error.path("stackTrace").toString()).doesNotContain("io.tandem.runtime"); // the user's frames, not Tandem's
        assertThat(error.path("cause").path("errorType").asText()).isEqualTo("java.io.IOException");
        assertThat(error.path("cause").path("errorMessage").asText()).isEqualTo("store down");
    }

    @Test
    void functionCannotSeeTheRuntimesJacksonNorItsClasses() {
        specialized("fn.Peek");

        assertThat(instance.get("/").body()).isEqualTo("hidden hidden");
    }

    @Test
    void jarThatBundlesLambdaCoreStillUsesTheRuntimesInterfaces() throws IOException {
        Path fat = FunctionJars.jar(dir.resolve("fat/fn-with-lambda-core.jar"), classes, FunctionJars.locationOf(RequestHandler.class));
        specialized(fat, "fn.Shout");

        assertThat(instance.post("/", "fat").body()).isEqualTo("\"FAT\"");
    }

    @Test
    void directoryCodeUsesTheJarsInItsLib() throws IOException {
        Path code = Files.createDirectories(dir.resolve("unpacked"));
        FunctionJars.jar(code.resolve("lib/fn.jar"), classes);
        specialized(code, "fn.Echo");

        assertThat(instance.get("/x").body()).startsWith("GET /x ");
    }

    @Test
    void genericInstanceIsHealthyButAnswers503() {
        instance = TestInstance.generic("java");

        assertThat(instance.get("/_/health").statusCode()).isEqualTo(200);
        HttpResponse<String> response = instance.get("/anything");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("{\"error\":\"instance not specialized\"}");
    }

    @Test
    void secondSpecializationIsRefusedWith409() {
        specialized("fn.Echo");

        HttpResponse<String> again = instance.specialize(spec("f2", jar, "fn.Shout"));

        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("serves f1");
        assertThat(instance.get("/").body()).contains("fn=f1");
    }

    @Test
    void missingClassIs422AndTheInstanceStaysGeneric() {
        instance = TestInstance.generic("java");

        HttpResponse<String> response = instance.specialize(spec("f1", jar, "fn.Missing"));

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("class fn.Missing not found in " + jar);
        assertThat(instance.get("/").statusCode()).isEqualTo(503);
        assertThat(instance.specialize(spec("f1", jar, "fn.Echo")).statusCode()).isEqualTo(200);
    }

    @Test
    void classWithoutAHandlerInterfaceIs422() {
        instance = TestInstance.generic("java");

        HttpResponse<String> response = instance.specialize(spec("f1", jar, "fn.NotAHandler"));

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("class fn.NotAHandler does not implement io.tandem.function.Handler, "
                + "com.amazonaws.services.lambda.runtime.RequestHandler or com.amazonaws.services.lambda.runtime.RequestStreamHandler");
    }

    @Test
    void handlerWithoutANoArgConstructorIs422() {
        instance = TestInstance.generic("java");

        assertThat(instance.specialize(spec("f1", jar, "fn.NeedsArgs")).body()).contains("class fn.NeedsArgs has no public no-arg constructor");
    }

    @Test
    void corruptJarIs422() throws IOException {
        Path corrupt = Files.writeString(dir.resolve("corrupt.jar"), "this is not a zip");
        instance = TestInstance.generic("java");

        HttpResponse<String> response = instance.specialize(spec("f1", corrupt, "fn.Echo"));

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("corrupt jar " + corrupt);
    }

    @Test
    void missingCodeIs422() {
        instance = TestInstance.generic("java");

        assertThat(instance.specialize(spec("f1", dir.resolve("nope.jar"), "fn.Echo")).body()).contains("code not found: ");
    }

    @Test
    void instanceSpecializesItselfFromTheEnvironment() {
        instance = TestInstance.start("java", Map.of("TANDEM_FUNCTION", "hello", "TANDEM_CODE", jar.toString(), "TANDEM_ENTRYPOINT", "fn.Echo"));

        assertThat(instance.get("/_/health").body()).contains("\"function\":\"hello\"");
        assertThat(instance.get("/").body()).endsWith("fn=hello");
    }

    @Test
    void failedSelfSpecializationComesUpAnswering500WithTheLoadError() {
        instance = TestInstance.start("java", Map.of("TANDEM_FUNCTION", "hello", "TANDEM_CODE", jar.toString(), "TANDEM_ENTRYPOINT", "fn.Missing"));

        HttpResponse<String> health = instance.get("/_/health");
        HttpResponse<String> invocation = instance.get("/");

        assertThat(health.statusCode()).isEqualTo(500);
        assertThat(health.body()).contains("function failed to load").contains("class fn.Missing not found");
        assertThat(invocation.statusCode()).isEqualTo(500);
        assertThat(invocation.body()).contains("class fn.Missing not found");
    }
}
