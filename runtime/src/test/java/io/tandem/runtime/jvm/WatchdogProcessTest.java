package io.tandem.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A call past its timeout, in a real instance process: interrupted, and the instance ends when that does not stop it. */
class WatchdogProcessTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static Path jar;

    private InstanceProcess instance;
    private Process process;
    private Path output;
    private int port;

    @BeforeAll
    static void buildFunctions() throws IOException {
        jar = FunctionJars.jar(dir.resolve("fn.jar"), FunctionJars.compile(dir, Map.of(
                "fn/Sleeper.java", """
                        package fn;
                        import io.tandem.function.*;
                        public class Sleeper implements Handler {
                            public Response handle(Request r, Context c) throws Exception {
                                if (r.queryParameter("quick").isPresent()) return Response.ok("quick");
                                Thread.sleep(60_000);
                                return Response.ok("slept");
                            }
                        }
                        """,
                "fn/Spinner.java", """
                        package fn;
                        import io.tandem.function.*;
                        public class Spinner implements Handler {
                            public Response handle(Request r, Context c) {
                                long spins = 0;
                                while (spins >= 0) spins++; // deaf to interrupts
                                return Response.ok("never");
                            }
                        }
                        """)));
    }

    @AfterEach
    void stop() {
        if (instance != null) instance.close();
    }

    private void start(String entrypoint, long timeoutMs) throws Exception {
        output = dir.resolve(entrypoint + ".out");
        instance = InstanceProcess.specialized(jar, "fn." + entrypoint, timeoutMs, output);
        process = instance.process();
        port = instance.uri("/").getPort();
    }

    private HttpResponse<String> call(String path) throws Exception {
        return instance.get(path);
    }

    @Test
    void aCallWaitingPastItsTimeoutIsInterruptedAndTheInstanceServesOn() throws Exception {
        start("Sleeper", 300);
        HttpResponse<String> interrupted = call("/");
        assertThat(interrupted.statusCode()).isEqualTo(500);
        assertThat(interrupted.body()).contains("InterruptedException");
        assertThat(call("/?quick").body()).isEqualTo("quick");
        assertThat(process.isAlive()).isTrue();
        assertThat(Files.readString(output)).contains("still running after its timeout of 300 ms: interrupting it");
    }

    @Test
    void aCallDeafToInterruptsEndsTheInstanceSoThatItIsReplaced() throws Exception {
        start("Spinner", 300);
        CompletableFuture<HttpResponse<String>> stuck = CLIENT.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the instance ended").isTrue();
        assertThat(process.exitValue()).isEqualTo(Watchdog.EXIT_WEDGED);
        assertThat(Files.readString(output)).contains("interrupting it", "did not stop within 2000 ms of its timeout: this instance exits (code 70)");
        assertThat(stuck).failsWithin(Duration.ofSeconds(10)); // its connection went with the process
    }
}
