package io.tandem.runtime.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code lambda} runtime driving AWS's own runtime interface clients for Node.js ({@code aws-lambda-ric} from
 * npm) and Python ({@code awslambdaric} from PyPI) unchanged, as a user who brings the official client does. Each is
 * installed once into {@code target/} with its registry's ordinary client; where that cannot be done (no npm or pip,
 * the registry unreachable, the package's native build failing) the test is skipped and says why.
 */
class OfficialClientsTest {
    static final String NODE_CLIENT = "aws-lambda-ric@4.0.2";
    static final String PYTHON_CLIENT = "awslambdaric==4.2.2";
    private static final Path INSTALLS = Path.of("target", "official-lambda-clients").toAbsolutePath();

    @TempDir
    Path dir;
    private ClientFunction function;

    @AfterEach
    void stop() {
        if (function != null) function.close();
    }

    @Test
    void nodesOfficialClientServesAHandlerAndReportsItsErrors() throws Exception {
        Path installed = INSTALLS.resolve("node");
        Path entry = installed.resolve("node_modules/aws-lambda-ric/index.mjs");
        if (!Files.isRegularFile(entry)) {
            install(installed, List.of("npm", "install", "--no-audit", "--no-fund", "--prefer-offline", "--prefix", installed.toString(), NODE_CLIENT));
        }
        Assumptions.assumeTrue(Files.isRegularFile(entry), NODE_CLIENT + " installed without " + entry);
        function = ClientFunction.command(dir, List.of("node", entry.toString()));

        exercise(function.file("index.mjs", """
                export const handler = async (event, context) => {
                  if (event.fail) throw new RangeError(`refusing ${event.fail}`);
                  console.log('greeting', event.name);
                  return { greeting: `Hello, ${event.name}`, requestId: context.awsRequestId, functionName: context.functionName };
                };
                """), "index.handler", "RangeError");
    }

    @Test
    void pythonsOfficialClientServesAHandlerAndReportsItsErrors() throws Exception {
        Path installed = INSTALLS.resolve("python");
        if (!Files.isDirectory(installed.resolve("awslambdaric"))) {
            install(installed, List.of("python3", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--retries", "0", "--timeout", "10",
                    "--target", installed.toString(), PYTHON_CLIENT));
        }
        Assumptions.assumeTrue(Files.isDirectory(installed.resolve("awslambdaric")), PYTHON_CLIENT + " installed without its package");
        function = ClientFunction.command(dir, List.of("env", "PYTHONPATH=" + installed, "python3", "-m", "awslambdaric"));

        exercise(function.file("app.py", """
                def handler(event, context):
                    if event.get("fail"):
                        raise KeyError("refusing " + event["fail"])
                    print("greeting", event["name"])
                    return {"greeting": "Hello, " + event["name"], "requestId": context.aws_request_id, "functionName": context.function_name}
                """), "app.handler", "KeyError");
    }

    private static void exercise(ClientFunction function, String handler, String errorType) {
        function.started(handler);

        JsonNode answer = function.answer("{\"name\":\"Ada\"}");
        assertThat(answer.path("greeting").asText()).isEqualTo("Hello, Ada");
        assertThat(answer.path("requestId").asText()).hasSize(36);
        assertThat(answer.path("functionName").asText()).isEqualTo("fn");

        HttpResponse<String> failed = function.call("{\"fail\":\"today\"}");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.headers().firstValue("X-Amz-Function-Error")).hasValue("Unhandled");
        assertThat(ClientFunction.json(failed.body()).path("errorType").asText()).isEqualTo(errorType);
        assertThat(failed.body()).contains("refusing today");
        assertThat(function.output()).contains("greeting Ada");
    }

    /** Runs an installer, and skips the test with its last words when it fails or cannot run. */
    private static void install(Path target, List<String> command) throws IOException, InterruptedException {
        Files.createDirectories(target);
        Path log = target.resolve("install.log");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            Assumptions.abort(command.getFirst() + " cannot run here (" + e.getMessage() + "): " + String.join(" ", command) + " is needed for this test");
            return;
        }
        boolean done = process.waitFor(3, TimeUnit.MINUTES); // the suite's budget: a slow registry skips the test
        if (!done) process.destroyForcibly().waitFor();
        if (!done || process.exitValue() != 0) {
            List<String> lines = new ArrayList<>(Files.readAllLines(log));
            String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
            Assumptions.abort(String.join(" ", command) + (done ? " failed" : " took over 3 minutes") + ", so the official client cannot be tested here:\n" + tail);
        }
    }
}
