package io.tandem.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.runtime.Json;
import io.tandem.runtime.TestInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecRuntimeTest {
    @TempDir
    Path dir;

    private TestInstance instance;

    @AfterEach
    void stop() {
        if (instance != null) instance.close();
    }

    private TestInstance shell(String script, String... extraEnv) throws IOException {
        var env = new HashMap<>(Map.of("TANDEM_FUNCTION", "sh", "TANDEM_COMMAND", Json.MAPPER.writeValueAsString(List.of("/bin/sh", "-c", script))));
        for (int i = 0; i < extraEnv.length; i += 2) env.put(extraEnv[i], extraEnv[i + 1]);
        instance = TestInstance.start("exec", env);
        return instance;
    }

    @Test
    void processGetsTheBodyOnStdinAndTheRequestInHttpVariables() throws IOException {
        shell("echo \"$Http_Method $Http_Path $Http_Query $Http_X_Custom_Header $Http_Content_Type\"; cat");

        HttpResponse<String> response = instance.post("/p/q?x=1&y=2", "body text", "X-Custom-Header", "v", "content-type", "text/csv");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("POST /p/q x=1&y=2 v text/csv\nbody text");
    }

    @Test
    void requestHeadersCannotPassForTheRequestLine() throws IOException {
        shell("echo \"$Http_Method $Http_Path $Http_Query\"");

        HttpResponse<String> response = instance.post("/real?a=1", "", "Method", "DELETE", "Path", "/admin", "Query", "all=1");

        assertThat(response.body()).isEqualTo("POST /real a=1\n");
    }

    @Test
    void nonZeroExitGives500WithStderr() throws IOException {
        shell("echo partial; echo 'it broke' >&2; exit 3");

        HttpResponse<String> response = instance.get("/");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("it broke\n");
        assertThat(response.headers().firstValue("X-Tandem-Exit-Code")).contains("3");
    }

    @Test
    void processPastItsTimeoutIsKilledWithItsChildrenAndGives504() throws IOException {
        Path pidFile = dir.resolve("child.pid");
        shell("sleep 600 & echo $! > " + pidFile + "; wait", "TANDEM_TIMEOUT_MS", "300");

        HttpResponse<String> response = instance.get("/");

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("function timed out").contains("300 ms");
        long child = Long.parseLong(Files.readString(pidFile).trim());
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(child).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void outputLargerThanTheBufferIsStreamed() throws IOException {
        shell("head -c 1000000 /dev/zero | tr '\\0' 'a'");

        HttpResponse<String> response = instance.get("/");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).hasSize(1_000_000).containsOnlyOnce("aaaaaaaaaa" + "a".repeat(999_990));
    }

    @Test
    void failureAfterTheOutputStreamedDropsTheConnectionInsteadOfFaking200() throws IOException {
        shell("head -c 1000000 /dev/zero; exit 1");

        assertThatThrownBy(() -> instance.get("/")).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void largeBodyStreamsThroughStdin() throws IOException {
        shell("wc -c");

        assertThat(instance.post("/", "b".repeat(500_000)).body().trim()).isEqualTo("500000");
    }

    @Test
    void processThatIgnoresALargeBodyStillAnswersAndTheNextCallWorks() throws IOException {
        shell("echo ignored");

        assertThat(instance.post("/", "c".repeat(2_000_000)).body()).isEqualTo("ignored\n");
        assertThat(instance.post("/", "small").body()).isEqualTo("ignored\n");
    }

    @Test
    void executableScriptRunsAsItIsWithoutACommand() throws IOException {
        Path script = dir.resolve("hello.sh");
        Files.writeString(script, "#!/bin/sh\necho \"hello from $(basename \"$PWD\")\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        instance = TestInstance.start("exec", Map.of("TANDEM_FUNCTION", "hello", "TANDEM_CODE", script.toString()));

        assertThat(instance.get("/").body()).isEqualTo("hello from " + dir.getFileName() + "\n");
    }

    @Test
    void genericInstanceAnswers503UntilSpecializedWithACommand() {
        instance = TestInstance.generic("exec");
        assertThat(instance.get("/").statusCode()).isEqualTo(503);

        HttpResponse<String> specialized = instance.specialize("{\"function\":\"up\",\"command\":[\"tr\",\"a-z\",\"A-Z\"]}");

        assertThat(specialized.statusCode()).as(specialized.body()).isEqualTo(200);
        assertThat(instance.post("/", "shout").body()).isEqualTo("SHOUT");
    }

    @Test
    void specializationWithoutCommandOrCodeIs422() {
        instance = TestInstance.generic("exec");

        HttpResponse<String> response = instance.specialize("{\"function\":\"up\"}");

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("no command");
    }

    @Test
    void commandThatCannotStartGives500() throws IOException {
        instance = TestInstance.start("exec", Map.of("TANDEM_FUNCTION", "nope", "TANDEM_COMMAND", "[\"/no/such/program\"]"));

        HttpResponse<String> response = instance.get("/");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("cannot start function").contains("/no/such/program");
    }
}
