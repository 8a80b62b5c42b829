package io.tandem.runtime.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.runtime.TestInstance;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code lambda} runtime with a custom runtime of the {@code provided} kind: a {@code bootstrap} shell script
 * that speaks the Runtime API with curl, as a user's own would. What the event asks for (echo, fail, sleep, exit)
 * is what the script does.
 */
class LambdaRuntimeTest {
    /** Reads events forever; a request id travels in a temporary headers file, the event in a variable. */
    private static final String BOOTSTRAP = """
            #!/bin/bash
            set -eu
            api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
            if [ -n "${FAIL_INIT:-}" ]; then
              curl -s -X POST "$api/init/error" -H 'Lambda-Runtime-Function-Error-Type: Runtime.InitError' \\
                -d '{"errorMessage":"handler module not found","errorType":"Runtime.ImportModuleError"}' > /dev/null
              exit 1
            fi
            echo "bootstrap up for $_HANDLER in $PWD"
            head_file=$(mktemp)
            while true; do
              event=$(curl -s -D "$head_file" "$api/invocation/next")
              id=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$head_file" | cut -d' ' -f2 | tr -d '\\r')
              deadline=$(grep -i '^Lambda-Runtime-Deadline-Ms:' "$head_file" | cut -d' ' -f2 | tr -d '\\r')
              arn=$(grep -i '^Lambda-Runtime-Invoked-Function-Arn:' "$head_file" | cut -d' ' -f2 | tr -d '\\r')
              case "$event" in
                *fail*) curl -s -X POST "$api/invocation/$id/error" -H 'Lambda-Runtime-Function-Error-Type: Unhandled' \\
                          -d '{"errorMessage":"asked to fail","errorType":"RuntimeError","stackTrace":["handler.sh line 1"]}' > /dev/null ;;
                *sleep*) sleep 600 ;;
                *exit*) echo "exiting on request"; exit 3 ;;
                *) curl -s -X POST "$api/invocation/$id/response" \\
                     -d "{\\"event\\":$event,\\"handler\\":\\"$_HANDLER\\",\\"arn\\":\\"$arn\\",\\"deadlineSet\\":$([ -n "$deadline" ] && echo true || echo false),\\"region\\":\\"$AWS_REGION\\"}" > /dev/null ;;
              esac
            done
            """;

    @TempDir
    Path dir;
    private TestInstance instance;

    @AfterEach
    void stop() {
        if (instance != null) instance.close();
    }

    @Test
    void aCustomRuntimeAnswersEventsWithLambdasHeadersAndVariables() throws IOException {
        specialize("{}");

        HttpResponse<String> response = instance.post("/", "{\"say\":\"hi\"}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"event\":{\"say\":\"hi\"}").contains("\"handler\":\"handler.run\"")
                .contains("\"arn\":\"arn:aws:lambda:us-east-1:000000000000:function:fn\"").contains("\"deadlineSet\":true")
                .contains("\"region\":\"us-east-1\"");
        assertThat(instance.post("/", "{\"again\":2}").body()).contains("\"event\":{\"again\":2}"); // the same process, its next event
    }

    @Test
    void aHandlerErrorIsLambdasErrorDocumentWithAnErrorStatus() throws IOException {
        specialize("{}");

        HttpResponse<String> response = instance.post("/", "{\"please\":\"fail\"}");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("X-Amz-Function-Error")).hasValue("Unhandled");
        assertThat(response.body()).contains("\"errorMessage\":\"asked to fail\"").contains("\"errorType\":\"RuntimeError\"").contains("stackTrace");
        assertThat(instance.post("/", "{\"after\":\"error\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void anInitErrorRefusesTheSpecializationWithTheFunctionsReason() throws IOException {
        writeBootstrap();
        instance = TestInstance.generic("lambda");

        HttpResponse<String> response = instance.specialize(spec("{\"FAIL_INIT\":\"1\"}", 5_000));

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("failed to initialize").contains("handler module not found");
    }

    @Test
    void aCallPastItsTimeoutIs504AndTheNextCallGetsAFreshProcess() throws IOException {
        specialize("{}", 1_500);

        assertThat(instance.post("/", "{\"then\":\"sleep\"}").statusCode()).isEqualTo(504);
        HttpResponse<String> next = instance.post("/", "{\"fresh\":true}");
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        assertThat(next.body()).contains("\"fresh\":true");
    }

    @Test
    void aProcessThatDiesMidCallGives502AndIsStartedAgain() throws IOException {
        specialize("{}");

        HttpResponse<String> died = instance.post("/", "{\"then\":\"exit\"}");
        assertThat(died.statusCode()).isEqualTo(502);
        assertThat(died.body()).contains("function process exited").contains("code 3");
        assertThat(instance.post("/", "{\"alive\":1}").body()).contains("\"alive\":1");
    }

    @Test
    void concurrentCallsAreServedOneAtATimeAndEachGetsItsOwnAnswer() throws Exception {
        specialize("{}");
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int n = i;
            answers.add(CompletableFuture.supplyAsync(() -> instance.post("/", "{\"n\":" + n + "}").body()));
        }
        for (int i = 0; i < 8; i++) assertThat(answers.get(i).get()).contains("\"event\":{\"n\":" + i + "}");
    }

    private void specialize(String env) throws IOException {
        specialize(env, 30_000);
    }

    private void specialize(String env, long timeoutMs) throws IOException {
        writeBootstrap();
        instance = TestInstance.generic("lambda");
        HttpResponse<String> response = instance.specialize(spec(env, timeoutMs));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private String spec(String env, long timeoutMs) {
        return "{\"function\":\"fn\",\"code\":\"" + dir + "\",\"entrypoint\":\"handler.run\",\"timeoutMs\":" + timeoutMs + ",\"env\":" + env + "}";
    }

    private void writeBootstrap() throws IOException {
        Path bootstrap = dir.resolve("bootstrap");
        Files.writeString(bootstrap, BOOTSTRAP);
        Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
