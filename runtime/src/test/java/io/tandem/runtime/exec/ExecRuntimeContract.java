package io.tandem.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.runtime.Json;
import io.tandem.runtime.TestInstance;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an {@code exec} instance does, whichever host runs it: the JVM runtime ({@link ExecRuntimeTest}) or the
 * native host ({@link NativeExecRuntimeTest}). Each subclass says only how an instance starts.
 */
abstract class ExecRuntimeContract {
    @TempDir
    Path dir;

    protected TestInstance instance;

    /** Starts an exec instance with {@code PORT=0} plus {@code env}, the secret {@link TestInstance#SECRET}. */
    protected abstract TestInstance start(Map<String, String> env);

    @AfterEach
    void stop() {
        if (instance != null) instance.close();
    }

    protected TestInstance shell(String script, String... extraEnv) throws IOException {
        var env = new HashMap<>(Map.of("TANDEM_FUNCTION", "sh", "TANDEM_COMMAND", Json.MAPPER.writeValueAsString(List.of("/bin/sh", "-c", script))));
        for (int i = 0; i < extraEnv.length; i += 2) env.put(extraEnv[i], extraEnv[i + 1]);
        instance = start(env);
        return instance;
    }

    private TestInstance generic() {
        instance = start(Map.of());
        return instance;
    }

    @Test
    void processGetsTheBodyOnStdinAndTheRequestInHttpVariables() throws IOException {
        shell("echo \"$Http_Method $Http_Path $Http_Query $Http_X_Custom_Header $Http_Content_Type\"; cat");

        HttpResponse<String> response = instance.post("/p/q?x=1&y=2", "body text", "X-Custom-Header", "v", "content-type", "text/csv");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("POST /p/q x=1&y=2 v text/csv\nbody text");
        assertThat(response.headers().firstValue("Content-Type")).contains("text/plain; charset=utf-8");
    }

    @Test
    void repeatedHeadersAreJoinedAndThePathIsDecoded() throws IOException {
        shell("echo \"$Http_X_Tag|$Http_Path\"");

        HttpResponse<String> response = instance.send(instance.request("/a%20b/c").header("x-tag", "one").header("X-TAG", "two").GET().build());

        assertThat(response.body()).isEqualTo("one, two|/a b/c\n");
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
    void nonZeroExitWithoutStderrSaysTheExitCode() throws IOException {
        shell("exit 7");

        HttpResponse<String> response = instance.get("/");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("exit code 7\n");
    }

    @Test
    void processPastItsTimeoutIsKilledWithItsChildrenAndGives504() throws IOException {
        Path pidFile = dir.resolve("child.pid");
        shell("sleep 600 & echo $! > " + pidFile + "; wait", "TANDEM_TIMEOUT_MS", "300");

        HttpResponse<String> response = instance.get("/");

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("function timed out").contains("300 ms");
        long child = Long.parseLong(Files.readString(pidFile).trim());
        await().atMost(Duration.ofSeconds(10)).until(() -> gone(child));
    }

    @Test
    void timeoutKillsTheWholeTreeEvenAGrandchildThatLeftTheProcessGroup() throws IOException {
        shell("echo $$ > " + dir.resolve("sh.pid") + "; setsid sleep 600 & echo $! > " + dir.resolve("setsid.pid")
                + "; sleep 600 & echo $! > " + dir.resolve("sleep.pid") + "; wait", "TANDEM_TIMEOUT_MS", "400");

        HttpResponse<String> response = instance.get("/");

        assertThat(response.statusCode()).isEqualTo(504);
        for (String name : List.of("sh.pid", "setsid.pid", "sleep.pid")) {
            long pid = Long.parseLong(Files.readString(dir.resolve(name)).trim());
            await(name).atMost(Duration.ofSeconds(10)).until(() -> gone(pid));
        }
    }

    @Test
    void outputLargerThanTheBufferIsStreamed() throws IOException {
        shell("head -c 1000000 /dev/zero | tr '\\0' 'a'");

        HttpResponse<String> response = instance.get("/");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).hasSize(1_000_000).containsOnlyOnce("aaaaaaaaaa" + "a".repeat(999_990));
    }

    @Test
    void outputBeyondSixtyFourKibibytesIsChunkedAndShorterOutputHasALength() throws IOException {
        shell("head -c \"${Http_Query#n=}\" /dev/zero | tr '\\0' 'a'");

        String longAnswer = raw("GET /?n=70000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        String shortAnswer = raw("GET /?n=65536 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(longAnswer).startsWith("HTTP/1.1 200").containsIgnoringCase("Transfer-Encoding: chunked").endsWith("0\r\n\r\n");
        assertThat(shortAnswer).startsWith("HTTP/1.1 200").containsIgnoringCase("Content-Length: 65536").doesNotContainIgnoringCase("chunked");
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
    void aBodyOverAMebibyteRoundTripsThroughCat() throws IOException {
        shell("cat");
        var text = new StringBuilder();
        for (int i = 0; text.length() < 1_300_000; i++) text.append(i).append(' ');

        HttpResponse<String> response = instance.post("/", text.toString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(text.toString());
    }

    @Test
    void chunkedAndExpectContinueBodiesReachTheProcess() throws IOException {
        shell("cat");
        byte[] body = "x".repeat(100_000).getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> chunked = instance.send(instance.request("/")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build());
        HttpResponse<String> expecting = instance.send(instance.request("/").expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofString("after continue")).build());

        assertThat(chunked.body()).hasSize(100_000);
        assertThat(expecting.body()).isEqualTo("after continue");
    }

    @Test
    void processThatIgnoresALargeBodyStillAnswersAndTheNextCallWorks() throws IOException {
        shell("echo ignored");

        assertThat(instance.post("/", "c".repeat(2_000_000)).body()).isEqualTo("ignored\n");
        assertThat(instance.post("/", "small").body()).isEqualTo("ignored\n");
    }

    @Test
    void concurrentClientsEachGetTheirOwnAnswer() throws Exception {
        shell("cat");
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<List<String>>> answers = new ArrayList<>();
            for (int client = 0; client < 16; client++) {
                int c = client;
                answers.add(clients.submit(() -> {
                    List<String> wrong = new ArrayList<>();
                    for (int call = 0; call < 20; call++) {
                        String body = "client " + c + " call " + call;
                        HttpResponse<String> response = instance.post("/", body);
                        if (response.statusCode() != 200 || !response.body().equals(body)) wrong.add(body + " -> " + response.statusCode() + " " + response.body());
                    }
                    return wrong;
                }));
            }
            for (Future<List<String>> answer : answers) assertThat(answer.get()).isEmpty();
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void healthAnswersWhileEveryCallKeepsACoreBusy() throws Exception {
        Path started = Files.createDirectories(dir.resolve("started"));
        shell("touch " + started + "/$$; while :; do :; done", "TANDEM_TIMEOUT_MS", "3000");
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) calls.add(instance.sendAsync(instance.request("/").GET().build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (var files = Files.list(started)) {
                return files.count() == 4;
            }
        });

        HttpResponse<String> health = instance.get("/_/health");

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(calls.stream().allMatch(call -> !call.isDone())).as("every call still busy when health answered").isTrue();
        for (var call : calls) assertThat(call.get().statusCode()).isEqualTo(504);
    }

    @Test
    void executableScriptRunsAsItIsWithoutACommand() throws IOException {
        Path script = dir.resolve("hello.sh");
        Files.writeString(script, "#!/bin/sh\necho \"hello from $(basename \"$PWD\")\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        instance = start(Map.of("TANDEM_FUNCTION", "hello", "TANDEM_CODE", script.toString()));

        assertThat(instance.get("/").body()).isEqualTo("hello from " + dir.getFileName() + "\n");
    }

    @Test
    void anExecutableScriptWithoutAShebangLineRunsInTheShell() throws IOException {
        Path script = dir.resolve("plain.sh");
        Files.writeString(script, "echo \"plain $Http_Method\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        instance = start(Map.of("TANDEM_FUNCTION", "plain", "TANDEM_CODE", script.toString()));

        HttpResponse<String> response = instance.get("/");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("plain GET\n");
    }

    @Test
    void codePlaceholdersAreReplacedAndTheProcessRunsInTheCodeDirectory() throws IOException {
        Files.writeString(dir.resolve("data.txt"), "from the code directory\n");
        instance = start(Map.of("TANDEM_FUNCTION", "cat", "TANDEM_CODE", dir.toString(), "TANDEM_COMMAND",
                Json.MAPPER.writeValueAsString(List.of("/bin/sh", "-c", "cat data.txt; echo \"$1\"", "sh", "{code}/x"))));

        assertThat(instance.get("/").body()).isEqualTo("from the code directory\n" + dir + "/x\n");
    }

    @Test
    void genericInstanceAnswers503UntilSpecializedWithACommand() {
        generic();
        assertThat(instance.get("/").statusCode()).isEqualTo(503);
        assertThat(instance.get("/").body()).isEqualTo("{\"error\":\"instance not specialized\"}");

        HttpResponse<String> specialized = instance.specialize("{\"function\":\"up\",\"command\":[\"tr\",\"a-z\",\"A-Z\"]}");

        assertThat(specialized.statusCode()).as(specialized.body()).isEqualTo(200);
        assertThat(specialized.body()).contains("\"function\":\"up\"").contains("\"loadMillis\":");
        assertThat(instance.post("/", "shout").body()).isEqualTo("SHOUT");
        assertThat(instance.get("/_/health").body()).contains("\"status\":\"ok\"").contains("\"runtime\":\"exec\"").contains("\"function\":\"up\"");
    }

    @Test
    void specializationWithoutCommandOrCodeIs422() {
        generic();

        HttpResponse<String> response = instance.specialize("{\"function\":\"up\"}");

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("no command");
    }

    @Test
    void specializeAnswersEachRefusalAsTheProtocolSays() throws IOException {
        generic();
        Path notExecutable = Files.writeString(dir.resolve("plain.sh"), "echo hi\n");

        HttpResponse<String> get = instance.get("/_/specialize");
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).contains("POST");
        assertThat(instance.post("/_/specialize", "{\"function\":\"f\",\"command\":[\"id\"]}").statusCode()).isEqualTo(403);
        assertThat(instance.specialize("{\"function\":").statusCode()).isEqualTo(400);
        assertThat(instance.specialize("{\"command\":[\"id\"]}").body()).isEqualTo("{\"error\":\"bad specialize request\",\"detail\":\"missing 'function'\"}");
        assertThat(instance.specialize("{\"function\":\"f\",\"code\":\"/no/such/code\"}").body()).contains("cannot load function").contains("code not found: /no/such/code");
        assertThat(instance.specialize("{\"function\":\"f\",\"code\":\"" + notExecutable + "\"}").body()).contains(notExecutable + " is not executable");
        HttpResponse<String> jar = instance.specialize("{\"function\":\"f\",\"code\":\"" + dir + "\",\"command\":[\"java\",\"-jar\",\"{jar}\"]}");
        assertThat(jar.statusCode()).isEqualTo(422);
        assertThat(jar.body()).contains("names {jar}, a single code file, and the code is the directory " + dir);
        assertThat(instance.get("/_/health").body()).as("still generic").doesNotContain("\"function\"");

        assertThat(instance.specialize("{\"function\":\"f\",\"command\":[\"id\"]}").statusCode()).isEqualTo(200);
        HttpResponse<String> again = instance.specialize("{\"function\":\"g\",\"command\":[\"id\"]}");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).isEqualTo("{\"error\":\"instance already specialized\",\"detail\":\"serves f\"}");
    }

    @Test
    void theFunctionsVariablesReachItsProcessesButNotTheRuntimesNorThoseOfAFailedSpecialization() {
        generic();
        String unique = "V" + Long.toHexString(System.nanoTime());
        assertThat(instance.specialize("{\"function\":\"f\",\"code\":\"/no/such/code\",\"env\":{\"LEFT_" + unique + "\":\"over\"}}").statusCode()).isEqualTo(422);

        HttpResponse<String> specialized = instance.specialize("{\"function\":\"f\",\"command\":[\"/bin/sh\",\"-c\",\"echo ${LEFT_" + unique + "-unset} $GREETING_"
                + unique + "; env | grep -c '^TANDEM_' || true\"],\"env\":{\"GREETING_" + unique + "\":\"hi\",\"TANDEM_" + unique + "\":\"x\"}}");

        assertThat(specialized.statusCode()).as(specialized.body()).isEqualTo(200);
        assertThat(instance.get("/").body()).isEqualTo("unset hi\n0\n");
    }

    @Test
    void theSecretReachesNoProcessNeitherInItsEnvironmentNorOnAnInheritedDescriptor() throws IOException {
        shell("env; echo fds; ls /proc/$$/fd");

        String body = instance.get("/").body();

        assertThat(body).doesNotContain(TestInstance.SECRET).doesNotContain("TANDEM_");
        Set<String> fds = body.substring(body.indexOf("fds\n") + 4).lines().collect(Collectors.toSet());
        assertThat(fds).containsExactlyInAnyOrder("0", "1", "2");
    }

    @Test
    void selfSpecializationThatFailsStillServesItsFailure() throws IOException {
        instance = start(Map.of("TANDEM_FUNCTION", "broken", "TANDEM_CODE", "/no/such/code"));

        HttpResponse<String> health = instance.get("/_/health");
        assertThat(health.statusCode()).isEqualTo(500);
        assertThat(Json.MAPPER.readValue(health.body(), Map.class)).isEqualTo(Map.of("error", "function failed to load", "detail", "code not found: /no/such/code",
                "function", "broken", "control", instance.controlPort()));
        HttpResponse<String> call = instance.get("/");
        assertThat(call.statusCode()).isEqualTo(500);
        assertThat(call.body()).isEqualTo("{\"error\":\"function failed to load\",\"detail\":\"code not found: /no/such/code\"}");
        assertThat(instance.specialize("{\"function\":\"f\",\"command\":[\"id\"]}").body()).contains("failed to load broken");
    }

    @Test
    void commandThatCannotStartGives500() throws IOException {
        instance = start(Map.of("TANDEM_FUNCTION", "nope", "TANDEM_COMMAND", "[\"/no/such/program\"]"));

        HttpResponse<String> response = instance.get("/");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("cannot start function").contains("/no/such/program");
    }

    @Test
    void leaseGrantsFenceInvocationsByEpochAndByTime() throws IOException {
        shell("cat");
        String now = Long.toString(System.currentTimeMillis());

        HttpResponse<String> early = instance.post("/", "a", "X-Tandem-Epoch", "3");
        assertThat(early.statusCode()).isEqualTo(503);
        assertThat(early.headers().firstValue("X-Tandem-Fenced")).contains("true");
        assertThat(early.body()).isEqualTo("{\"error\":\"instance fenced\",\"detail\":\"the request is for epoch 3 but this instance holds no lease yet\"}");

        assertThat(instance.getAsPlatform("/_/health?epoch=3&lease=60000&issued=" + now).statusCode()).isEqualTo(200);
        assertThat(instance.post("/", "a", "X-Tandem-Epoch", "3").body()).isEqualTo("a");
        assertThat(instance.post("/", "a", "X-Tandem-Epoch", "2").body()).contains("the request is for epoch 2 but this instance holds epoch 3");

        HttpResponse<String> stale = instance.getAsPlatform("/_/health?epoch=2&lease=60000");
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(stale.body()).isEqualTo("{\"error\":\"stale epoch\",\"detail\":\"this instance already holds epoch 3, newer than 2\"}");
        assertThat(instance.getAsPlatform("/_/health?epoch=three&lease=60000").statusCode()).isEqualTo(400);
        assertThat(instance.get("/_/health?epoch=4&lease=60000").statusCode()).as("a grant without the secret").isEqualTo(403);
        assertThat(instance.post("/", "a", "X-Tandem-Epoch", "3").statusCode()).isEqualTo(200);

        // A grant read after it ran out (a frozen process waking up) grants nothing.
        assertThat(instance.getAsPlatform("/_/health?epoch=5&lease=60000&issued=" + (System.currentTimeMillis() - 120_000)).statusCode()).isEqualTo(200);
        assertThat(instance.post("/", "a", "X-Tandem-Epoch", "5").statusCode()).isEqualTo(503);

        assertThat(instance.getAsPlatform("/_/health?epoch=6&lease=200").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> instance.post("/", "a", "X-Tandem-Epoch", "6").body().contains("the lease of epoch 6 ran out"));
        assertThat(instance.post("/", "a").headers().firstValue("X-Tandem-Fenced")).as("no epoch named, lease ran out").contains("true");
    }

    @Test
    void malformedRequestsAreRefusedBeforeAnyHandler() throws IOException {
        shell("cat");

        assertThat(raw("GET / HTTP/1.1\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n")).startsWith("HTTP/1.1 431");
        assertThat(raw("GET / HTTP/2.0\r\n\r\n")).startsWith("HTTP/1.1 505");
        assertThat(raw("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n")).startsWith("HTTP/1.1 400").contains("Content-Length is not a number");
        assertThat(raw("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")).startsWith("HTTP/1.1 501");
        assertThat(raw("HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200").contains("Content-Length: 0").endsWith("\r\n\r\n");
    }

    /** One request written as it is on a connection of its own; the answer up to the connection's end. */
    protected String raw(String request) throws IOException {
        try (var socket = new Socket("127.0.0.1", instance.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** Whether a process has ended: gone, or a zombie nobody reaped yet. */
    protected static boolean gone(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException noSuchProcess) {
            return true;
        }
    }
}
