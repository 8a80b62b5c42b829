package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.agent.Sandbox;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The attacks a local process or a function could make on a real server, and how they are refused: a warm instance
 * taken over through {@code /_/specialize}, a lease forced on it, a function reading the platform's environment,
 * files or another function's code.
 */
class SecurityEndToEndTest {
    static RunningServer tandem;

    @BeforeAll
    static void start() throws Exception {
        tandem = new RunningServer(1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tandem != null) tandem.close();
    }

    private static JsonNode poolInstance(String runtime) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (JsonNode i : tandem.client.get("/v1/status").path("instances")) {
                if (i.path("role").asText().equals("pool") && i.path("state").asText().equals("ready")
                        && i.path("environment").asText().equals(runtime)) return i;
            }
            return null;
        }, i -> i != null);
    }

    /** A request straight to an instance's port, as any local process can send. */
    private static HttpResponse<String> direct(int port, String pathAndQuery, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery));
        if (headers.length > 0) request.headers(headers);
        request.method(body == null ? "GET" : "POST", body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return tandem.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aWarmInstanceCannotBeSpecializedOrLeasedByAnyoneButThePlatform() throws Exception {
        JsonNode pool = poolInstance("exec");
        int port = pool.path("port").asInt();
        String hijack = "{\"function\":\"x\",\"command\":[\"sh\",\"-c\",\"id\"]}";

        HttpResponse<String> noSecret = direct(port, "/_/specialize", hijack, "Content-Type", "application/json");
        assertThat(noSecret.statusCode()).isEqualTo(403);
        assertThat(noSecret.body()).contains("X-Tandem-Secret");
        HttpResponse<String> guessed = direct(port, "/_/specialize", hijack, "X-Tandem-Secret", "guess");
        assertThat(guessed.statusCode()).isEqualTo(403);
        HttpResponse<String> lease = direct(port, "/_/health?epoch=9223372036854775807&lease=60000", null);
        assertThat(lease.statusCode()).isEqualTo(403);

        // Still generic: the platform can hand it to a real function, which then serves.
        assertThat(direct(port, "/_/health", null).body()).doesNotContain("\"function\"");
        Path script = Files.createTempFile("env", ".sh");
        Files.writeString(script, "#!/bin/sh\nenv\n");
        assertThat(tandem.cli("fn", "create", "--name", "env-dump", "--env", "exec", "--code", script.toString())).isZero();
        HttpResponse<String> env = tandem.post("/function/env-dump", "");
        assertThat(env.statusCode()).as(env.body()).isEqualTo(200);
        assertThat(env.body()).as("what a function sees of its environment").contains("PORT=").contains("Http_Method=POST")
                .doesNotContain("TANDEM_HOME=").doesNotContain(tandem.home.readToken());
        // The agent's own TANDEM_* settings are gone too (the function's working directory, its code, stays).
        assertThat(env.body().lines().filter(l -> l.startsWith("TANDEM_") && !l.startsWith("TANDEM_FUNCTION=")
                && !l.startsWith("TANDEM_CODE=") && !l.startsWith("TANDEM_COMMAND=") && !l.startsWith("TANDEM_TIMEOUT_MS="))).isEmpty();
    }

    @Test
    void theClusterViewNeverShowsAnInstanceSecret() {
        poolInstance("exec");
        String status = tandem.client.get("/v1/status").toString();
        assertThat(status).doesNotContainIgnoringCase("secret");
    }

    /**
     * A function is a tenant: run by a root server, it runs as a user of its own and cannot read the token, the
     * store, the packages or another function's code, nor leave a process behind when its instance stops.
     */
    @Test
    void aFunctionCannotReadThePlatformsFilesNorAnotherFunctionsCode() throws Exception {
        assumeTrue(Sandbox.isRoot(), "instances run as users of their own only when the server runs as root");
        Path home = tandem.home.root();
        Path neighbour = Files.createTempFile("neighbour", ".sh");
        Files.writeString(neighbour, "#!/bin/sh\n# neighbour's secret recipe\necho \"$0\"\n");
        assertThat(tandem.cli("fn", "create", "--name", "neighbour", "--env", "exec", "--code", neighbour.toString())).isZero();
        HttpResponse<String> where = tandem.post("/function/neighbour", "");
        assertThat(where.statusCode()).as(where.body()).isEqualTo(200);
        String neighbourCode = where.body().trim();

        Path probe = Files.createTempFile("tenant", ".sh");
        Files.writeString(probe, """
                #!/bin/sh
                echo "uid $(id -u) groups $(id -G)"
                while read -r target; do
                  if [ -d "$target" ]; then ls "$target" >/dev/null 2>&1; else cat "$target" >/dev/null 2>&1; fi
                  if [ $? -eq 0 ]; then echo "READ $target"; else echo "denied $target"; fi
                done
                (setsid sleep 600 >/dev/null 2>&1 &)
                """);
        assertThat(tandem.cli("fn", "create", "--name", "tenant", "--env", "exec", "--code", probe.toString())).isZero();
        String targets = String.join("\n", home.resolve("token").toString(), home.resolve("data").toString(),
                home.resolve("packages").toString(), home.resolve("nodes/n1/logs").toString(), neighbourCode) + "\n";
        HttpResponse<String> seen = tandem.post("/function/tenant", targets);
        assertThat(seen.statusCode()).as(seen.body()).isEqualTo(200);
        assertThat(seen.body()).as("what a function could read").doesNotContain("READ ").contains("denied " + neighbourCode)
                .doesNotContain("uid 0 ");
        int uid = Integer.parseInt(seen.body().lines().filter(l -> l.startsWith("uid ")).findFirst().orElseThrow().split(" ")[1]);
        assertThat(uid).isGreaterThanOrEqualTo(Sandbox.FIRST_ID);
        assertThat(Sandbox.runningAs(uid)).as("the daemon it left").isNotEmpty();

        // Deleting the function stops its instance, and what it left behind goes with it.
        assertThat(tandem.cli("fn", "delete", "--name", "tenant")).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> Sandbox.runningAs(uid).isEmpty());
    }
}
