package io.tandem.runtime.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.api.client.AWSLambda;
import io.tandem.runtime.TestInstance;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code lambda} runtime driving AWS's own Java runtime interface client
 * ({@code aws-lambda-java-runtime-interface-client}, from Maven Central) unchanged: the client loads the handler
 * from {@code LAMBDA_TASK_ROOT}, pulls events from the instance's runtime API and posts the answers and errors.
 */
class JavaRuntimeClientTest {
    private static final String HANDLER = """
            package fn;
            import com.amazonaws.services.lambda.runtime.*;
            import java.util.Map;
            public class Greeter implements RequestHandler<Map<String, Object>, String> {
                public String handleRequest(Map<String, Object> event, Context context) {
                    if (event.containsKey("fail")) throw new IllegalStateException("refusing " + event.get("fail"));
                    context.getLogger().log("greeting " + event.get("name"));
                    return "Hello, " + event.get("name") + " from " + context.getFunctionName() + " (" + context.getAwsRequestId().length() + ")";
                }
            }
            """;

    @TempDir
    Path dir;
    private TestInstance instance;

    @AfterEach
    void stop() {
        if (instance != null) instance.close();
    }

    @Test
    void theJavaRuntimeClientServesAHandlerAndReportsItsExceptions() throws Exception {
        compile();
        instance = TestInstance.generic("lambda");
        String command = "[\"" + Path.of(System.getProperty("java.home"), "bin", "java") + "\",\"-cp\",\"" + clientClasspath() + "\",\""
                + AWSLambda.class.getName() + "\",\"{handler}\"]";
        HttpResponse<String> specialized = instance.specialize("{\"function\":\"greeter\",\"code\":\"" + dir + "\",\"entrypoint\":\"fn.Greeter::handleRequest\","
                + "\"command\":" + command + ",\"timeoutMs\":30000}");
        assertThat(specialized.statusCode()).as(specialized.body()).isEqualTo(200);

        HttpResponse<String> answer = instance.post("/", "{\"name\":\"Ada\"}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("\"Hello, Ada from greeter (36)\"");

        HttpResponse<String> failed = instance.post("/", "{\"fail\":\"today\"}");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.headers().firstValue("X-Amz-Function-Error")).hasValue("Unhandled");
        assertThat(failed.body()).contains("\"errorMessage\":\"refusing today\"").contains("java.lang.IllegalStateException").contains("stackTrace");
    }

    private void compile() throws IOException {
        Path source = dir.resolve("src/fn/Greeter.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, HANDLER);
        int status = ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "-d", dir.toString(), "-cp", location(com.amazonaws.services.lambda.runtime.RequestHandler.class), "--release", "21", source.toString());
        assertThat(status).isZero();
    }

    /** The client and what it needs, as a Lambda container image holds them: from the test's own classpath. */
    private static String clientClasspath() {
        List<String> jars = List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
                .filter(p -> p.contains("aws-lambda-java-") || p.contains("utils-lite")).filter(p -> !p.contains("aws-lambda-java-events")).toList();
        return String.join(File.pathSeparator, jars);
    }

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
