package io.tandem.runtime.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.runtime.ProcessTree;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code lambda} runtime driving AWS's own runtime interface clients for Node.js ({@code aws-lambda-ric} from
 * npm) and Python ({@code awslambdaric} from PyPI) unchanged, as a user who brings the official client does. Each is
 * installed once per machine and version into the user's cache ({@code ~/.cache/tandem-tests/}, as Maven keeps its
 * repository: the Node client builds native code for two minutes, which a clean clone would otherwise pay on every
 * run) with its registry's ordinary client; where that cannot be done (no npm or pip, the registry unreachable, the
 * package's native build failing) the test is skipped and says why.
 */
class OfficialClientsTest {
    static final String NODE_CLIENT = "aws-lambda-ric@4.0.2";
    static final String PYTHON_CLIENT = "awslambdaric==4.2.2";
    private static final Path INSTALLS = cache().resolve("official-lambda-clients");

    @TempDir
    Path dir;
    private ClientFunction function;

    @AfterEach
    void stop() {
        if (function != null) function.close();
    }

    @Test
    void nodesOfficialClientServesAHandlerAndReportsItsErrors() throws Exception {
        Path installed = INSTALLS.resolve("node-" + NODE_CLIENT);
        Path entry = installed.resolve("node_modules/aws-lambda-ric/index.mjs");
        if (!Files.isRegularFile(entry)) {
            install(installed, staging -> List.of("npm", "install", "--no-audit", "--no-fund", "--prefer-offline", "--prefix", staging.toString(), NODE_CLIENT));
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
        Path installed = INSTALLS.resolve("python-" + PYTHON_CLIENT);
        if (!Files.isDirectory(installed.resolve("awslambdaric"))) {
            install(installed, staging -> List.of("python3", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--retries", "0", "--timeout", "10",
                    "--target", staging.toString(), PYTHON_CLIENT));
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

    private static Path cache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("tandem-tests");
    }

    /**
     * Runs an installer into a directory of its own beside {@code target}, renamed into place when it succeeded (so
     * a failed or interrupted install leaves nothing a later run would take for a good one); skips the test with
     * the installer's last words when it fails or cannot run.
     */
    private static void install(Path target, Function<Path, List<String>> commandInto) throws IOException, InterruptedException {
        Files.createDirectories(target.getParent());
        Path staging = Files.createTempDirectory(target.getParent(), "staging-");
        List<String> command = commandInto.apply(staging);
        Path log = target.getParent().resolve(target.getFileName() + ".install.log");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            delete(staging);
            Assumptions.abort(command.getFirst() + " cannot run here (" + e.getMessage() + "): " + String.join(" ", command) + " is needed for this test");
            return;
        }
        boolean done = process.waitFor(3, TimeUnit.MINUTES); // the suite's budget: a slow registry skips the test
        if (!done) stopTree(process);
        if (!done || process.exitValue() != 0) {
            List<String> lines = new ArrayList<>(Files.readAllLines(log));
            String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
            delete(staging);
            Assumptions.abort(String.join(" ", command) + (done ? " failed" : " took over 3 minutes") + ", so the official client cannot be tested here:\n" + tail);
        }
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
            delete(staging); // another run installed the same version meanwhile: its copy serves
        }
    }

    /**
     * Kills an installer that ran out of time with everything it started: npm builds the Node client's native code
     * in compilers of its own, which would go on writing into the staging directory while it is deleted.
     */
    private static void stopTree(Process process) {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        ProcessTree.kill(process);
        for (ProcessHandle p : tree) p.onExit().completeOnTimeout(p, 10, TimeUnit.SECONDS).join();
    }

    /**
     * Deletes a staging directory, best effort: one left behind takes some disk and nothing else (a later run stages
     * into a new one, and only a finished install is ever renamed into place), so a file that cannot be deleted is
     * no reason to fail the test.
     */
    private static void delete(Path tree) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try (var paths = Files.walk(tree)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                return;
            } catch (IOException stillChanging) {
                // a file appeared or vanished meanwhile: walk again
            }
        }
        System.err.println("OfficialClientsTest: could not delete " + tree + "; it can be removed by hand");
    }
}
