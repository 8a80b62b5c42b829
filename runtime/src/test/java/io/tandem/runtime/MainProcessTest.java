package io.tandem.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The instance as the agent starts it: a separate JVM running {@code Main}, configured by its environment. */
class MainProcessTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private Process process;

    @AfterEach
    void stop() {
        if (process != null) process.destroyForcibly();
    }

    private static ProcessBuilder runtime(String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    }

    @Test
    void genericJavaInstanceBecomesHealthyOnItsPort() throws IOException, InterruptedException {
        int port;
        try (var probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        var builder = runtime("java");
        builder.environment().put("PORT", Integer.toString(port));
        process = builder.start();
        try (var stdin = process.getOutputStream()) {
            stdin.write("secret\n".getBytes());
        }
        var health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/_/health")).build();

        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> CLIENT.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        assertThat(CLIENT.send(health.newBuilder(URI.create("http://127.0.0.1:" + port + "/x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(503);
    }

    @Test
    void exitsWith2OnAnUnknownRuntimeOrWithoutPortOrWithoutASecret() throws Exception {
        assertThat(runtime("python").start().waitFor()).isEqualTo(2);
        var noPort = runtime("exec");
        noPort.environment().remove("PORT");
        assertThat(startWithStdin(noPort, "secret\n").waitFor()).isEqualTo(2);
        var noSecret = runtime("exec");
        noSecret.environment().put("PORT", "0");
        assertThat(startWithStdin(noSecret, "").waitFor()).isEqualTo(2);
    }

    private static Process startWithStdin(ProcessBuilder builder, String stdin) throws IOException {
        Process p = builder.start();
        try (var out = p.getOutputStream()) {
            out.write(stdin.getBytes());
        }
        return p;
    }
}
