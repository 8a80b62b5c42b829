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
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.ToolProvider;
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
        // Nor any of the agent's or the runtime's own TANDEM_* settings.
        assertThat(env.body().lines().filter(l -> l.startsWith("TANDEM_"))).isEmpty();
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

    /** The names a function may find in its environment that it did not declare. */
    private static boolean tandemGives(String name) {
        return Set.of("PATH", "HOME", "PORT", "PWD", "SHLVL", "_", "OLDPWD", "LANG", "LANGUAGE", "TZ", "TMPDIR", "SHELL").contains(name)
                || name.startsWith("LC_") || name.startsWith("Http_");
    }

    private static Map<String, String> environmentOf(String function) throws Exception {
        HttpResponse<String> r = tandem.post("/function/" + function, "");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, String> env = new LinkedHashMap<>();
        r.body().lines().filter(l -> l.contains("=")).forEach(l -> env.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        return env;
    }

    @Test
    void aFunctionSeesItsOwnVariablesAndNothingOfTheServersEnvironment() throws Exception {
        Path script = Files.createTempFile("vars", ".sh");
        Files.writeString(script, "#!/bin/sh\nenv\n");
        // A warm instance takes the variables on at specialization; a newdeploy one starts with them.
        assertThat(tandem.cli("fn", "create", "--name", "vars-warm", "--env", "exec", "--code", script.toString(),
                "--var", "GREETING=hello world", "--var", "EMPTY=")).isZero();
        assertThat(tandem.cli("fn", "create", "--name", "vars-own", "--env", "exec", "--code", script.toString(),
                "--executor", "newdeploy", "--var", "GREETING=hello world", "--var", "EMPTY=")).isZero();
        for (String function : new String[]{"vars-warm", "vars-own"}) {
            Map<String, String> env = environmentOf(function);
            assertThat(env).as(function).containsEntry("GREETING", "hello world").containsEntry("EMPTY", "").containsKeys("PORT", "PATH", "HOME");
            assertThat(env.keySet().stream().filter(n -> !tandemGives(n) && !n.equals("GREETING") && !n.equals("EMPTY")))
                    .as(function + " sees no variable of the server's (this JVM has " + System.getenv().keySet() + ")").isEmpty();
        }

        // A changed variable reaches the function; a removed one is gone.
        assertThat(tandem.cli("fn", "update", "--name", "vars-warm", "--var", "GREETING=bonjour", "--unset-var", "EMPTY")).isZero();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(environmentOf("vars-warm")).containsEntry("GREETING", "bonjour").doesNotContainKey("EMPTY"));
        assertThat(tandem.cli("fn", "update", "--name", "vars-warm", "--var", "TANDEM_HOME=/")).as("a reserved name").isNotZero();
    }

    @Test
    void aWarmJavaInstanceGivesItsFunctionItsVariablesBeforeItsClassesLoad() throws Exception {
        Path jar = Files.createTempFile("vars", ".jar");
        Files.write(jar, lambdaJar("""
                package example;
                import com.amazonaws.services.lambda.runtime.Context;
                import com.amazonaws.services.lambda.runtime.RequestHandler;
                public class Vars implements RequestHandler<String, String> {
                    private static final String AT_LOAD = System.getenv("GREETING");
                    public String handleRequest(String input, Context context) {
                        return AT_LOAD + "|" + System.getenv("GREETING") + "|" + System.getenv("TANDEM_HOME") + "|" + Runtime.getRuntime().maxMemory();
                    }
                }
                """));
        assertThat(tandem.cli("fn", "create", "--name", "jvars", "--env", "java", "--code", jar.toString(), "--entrypoint", "example.Vars",
                "--var", "GREETING=hi")).isZero();
        HttpResponse<String> r = tandem.post("/function/jvars", "\"x\"");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).startsWith("\"hi|hi|null|");

        // With a memory setting the function gets a JVM of its own, its heap sized to it.
        assertThat(tandem.cli("fn", "create", "--name", "jsmall", "--env", "java", "--code", jar.toString(), "--entrypoint", "example.Vars",
                "--memory", "96Mi")).isZero();
        HttpResponse<String> small = tandem.post("/function/jsmall", "\"x\"");
        assertThat(small.statusCode()).as(small.body()).isEqualTo(200);
        long heap = Long.parseLong(small.body().replace("\"", "").split("\\|")[3]);
        assertThat(heap).isLessThanOrEqualTo(96L << 20);
    }

    /** A jar with one Lambda handler class of {@code source} in package {@code example}, compiled here. */
    private static byte[] lambdaJar(String source) throws Exception {
        Path dir = Files.createTempDirectory("handler");
        String className = source.replaceAll("(?s).*public class (\\w+).*", "$1");
        Path src = dir.resolve("src/example/" + className + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path classes = dir.resolve("classes");
        String lambda = Path.of(Class.forName("com.amazonaws.services.lambda.runtime.RequestHandler")
                .getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "--release", "21", "-d", classes.toString(), "-cp", lambda, src.toString())).isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("example/" + className + ".class"));
            zip.write(Files.readAllBytes(classes.resolve("example/" + className + ".class")));
            zip.closeEntry();
        }
        return out.toByteArray();
    }
}
