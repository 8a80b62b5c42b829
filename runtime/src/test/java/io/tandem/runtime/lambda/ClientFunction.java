package io.tandem.runtime.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.runtime.Json;
import io.tandem.runtime.TestInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * A function run by one of Tandem's Lambda runtime interface clients in a {@code lambda} instance, for the client
 * tests: the code written into a directory, the client started with the handler through {@code {handler}}, as the
 * {@code python-lambda} and {@code nodejs-lambda} environments start it, and its output kept in a file of the code
 * directory's parent so a test can read what the handler logged.
 */
final class ClientFunction implements AutoCloseable {
    private final Path code;
    private final Path log;
    private final List<String> interpreter;
    private TestInstance instance;

    private ClientFunction(Path dir, List<String> interpreter) {
        this.code = dir.resolve("code");
        this.log = dir.resolve("output.log");
        this.interpreter = interpreter;
    }

    /** A function for {@code python3 bootstrap.py}. */
    static ClientFunction python(Path dir) {
        requireOnPath("python3");
        return new ClientFunction(dir, List.of("python3", client("python/bootstrap.py")));
    }

    /** A function for {@code node bootstrap.mjs}. */
    static ClientFunction node(Path dir) {
        requireOnPath("node");
        return new ClientFunction(dir, List.of("node", client("node/bootstrap.mjs")));
    }

    /** A function whose process is {@code command} ({@code {handler}} replaced), output kept as for the others. */
    static ClientFunction command(Path dir, List<String> command) {
        return new ClientFunction(dir, command);
    }

    /** The client's file, where the build put the runtime's resources. */
    static String client(String name) {
        try {
            return Path.of(ClientFunction.class.getResource("/io/tandem/runtime/lambda/clients/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void requireOnPath(String program) {
        boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
        Assumptions.assumeTrue(found, program + " is not on the PATH: the client cannot run here");
    }

    ClientFunction file(String name, String content) {
        try {
            Path file = code.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path code() {
        return code;
    }

    /** Specializes a fresh instance for {@code handler}; the answer to the specialization. */
    HttpResponse<String> start(String handler, long timeoutMs, Map<String, String> env) {
        try {
            Files.createDirectories(code);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The handler is the shell's $0, so the redirection does not need quoting it.
        String run = "exec " + String.join(" ", interpreter.stream().map(ClientFunction::quoted).toList()) + " \"$0\" >> " + quoted(log.toString()) + " 2>&1";
        List<String> command = List.of("sh", "-c", run, "{handler}");
        instance = TestInstance.generic("lambda");
        try {
            return instance.specialize(Json.MAPPER.writeValueAsString(Map.of("function", "fn", "code", code.toString(), "entrypoint", handler,
                    "command", command, "timeoutMs", timeoutMs, "env", env)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Specializes for {@code handler} and requires it to succeed. */
    ClientFunction started(String handler) {
        return started(handler, 30_000);
    }

    ClientFunction started(String handler, long timeoutMs) {
        HttpResponse<String> response = start(handler, timeoutMs, Map.of());
        assertThat(response.statusCode()).as(response.body() + "\n" + output()).isEqualTo(200);
        return this;
    }

    HttpResponse<String> call(String event) {
        return instance.post("/", event);
    }

    /** The handler's answer to {@code event}, which must be a 200, as JSON. */
    JsonNode answer(String event) {
        HttpResponse<String> response = call(event);
        assertThat(response.statusCode()).as(response.body() + "\n" + output()).isEqualTo(200);
        return json(response.body());
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the function's process wrote to its standard output and error so far. */
    String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    @Override
    public void close() {
        if (instance != null) instance.close();
    }
}
