package io.tandem.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.runtime.Main;
import io.tandem.runtime.ProcessVariables;
import io.tandem.runtime.Secret;
import io.tandem.runtime.TestInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A java instance in a process of its own, specialized for one entrypoint, as an agent runs it: for what a test
 * JVM cannot share (process exit, per-process library state). Output goes to a file.
 */
final class InstanceProcess implements AutoCloseable {
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    private final Process process;
    private final int port;

    private InstanceProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a generic instance and specializes it for {@code entrypoint} of {@code jar}; fails the test if it cannot. */
    static InstanceProcess specialized(Path jar, String entrypoint, long timeoutMs, Path output) throws Exception {
        int port;
        try (var probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var command = new java.util.ArrayList<>(List.of(java));
        command.addAll(List.of(ProcessVariables.JVM_OPTIONS)); // as the agent starts it
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "java"));
        var builder = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("PORT", Integer.toString(port));
        var instance = new InstanceProcess(builder.start(), port);
        try {
            try (var stdin = instance.process.getOutputStream()) {
                stdin.write((TestInstance.SECRET + "\n").getBytes());
            }
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> instance.get("/_/health").statusCode() == 200);
            HttpResponse<String> specialized = CLIENT.send(HttpRequest.newBuilder(instance.uri("/_/specialize")).header(Secret.HEADER, TestInstance.SECRET)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"function\":\"f\",\"code\":\"" + jar + "\",\"entrypoint\":\"" + entrypoint
                            + "\",\"timeoutMs\":" + timeoutMs + "}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(specialized.statusCode()).as(specialized.body()).isEqualTo(200);
            return instance;
        } catch (Exception | AssertionError e) {
            instance.close(); // a failed start must not leave the process behind the test
            throw e;
        }
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) {
        try {
            return CLIENT.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    Process process() {
        return process;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
