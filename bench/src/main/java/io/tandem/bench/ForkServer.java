package io.tandem.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The baseline of router-hop's exec targets: what a classic watchdog does, with no Tandem anywhere. Two of them: the
 * one written in C ({@code fork-server.c}, compiled here with the machine's {@code cc}), which forks as a watchdog in
 * a compiled language does and is the yardstick whenever a compiler is found; and this class, a JVM one, used without
 * a compiler. The JVM's
 * own way of starting a process (through its {@code jspawnhelper}) costs milliseconds more per call than
 * {@code posix_spawn} from C, so the two are not interchangeable: the report names the one used. An HTTP server on
 * 127.0.0.1 that, per request, runs one script with the request body on its stdin and {@code Http_Method},
 * {@code Http_Path} and {@code Http_Query} in its environment, and answers its stdout (200), or its exit code (500).
 * The script's stderr goes straight to this process's, as a watchdog's log.
 *
 * <p>Requests run on platform threads from a cached pool, as in Tandem's runtime, so the two differ in what Tandem
 * adds (the router, the instance protocol), not in how a process is forked. {@link #start} runs it as a plain child
 * process beside the server; it exits when its stdin closes, so it does not outlive the benchmark that started it.
 */
public final class ForkServer {
    /** The variables a script keeps from this process's environment besides the request's, as a function's. */
    private static final Set<String> KEPT = Set.of("PATH", "HOME", "LANG", "LC_ALL");

    private ForkServer() {
    }

    public static void main(String[] args) throws IOException {
        Path script = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(System.getenv("PORT"));
        // Read once, when the JDK's server classes load: without it each answer waits for the client's delayed ACK.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> fork(exchange, script));
        server.start();
        System.in.transferTo(OutputStream.nullOutputStream()); // returns when the benchmark is gone
        System.exit(0);
    }

    private static void fork(HttpExchange exchange, Path script) throws IOException {
        try {
            ProcessBuilder builder = new ProcessBuilder(script.toString()).directory(script.getParent().toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            Map<String, String> env = builder.environment();
            env.keySet().retainAll(KEPT);
            env.put("Http_Method", exchange.getRequestMethod());
            env.put("Http_Path", exchange.getRequestURI().getPath());
            String query = exchange.getRequestURI().getRawQuery();
            env.put("Http_Query", query == null ? "" : query);
            Process process = builder.start();
            Thread feeder = Thread.ofVirtual().start(() -> {
                try (OutputStream stdin = process.getOutputStream()) {
                    exchange.getRequestBody().transferTo(stdin);
                } catch (IOException stdinClosed) {
                    // the script did not read its input: its choice
                }
            });
            byte[] out = process.getInputStream().readAllBytes();
            int exit = process.waitFor();
            feeder.join();
            byte[] body = exit == 0 ? out : ("exit code " + exit + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(exit == 0 ? 200 : 500, body.length);
            exchange.getResponseBody().write(body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    /** A fork server in a child process; closing it stops the process and deletes its log. */
    record Running(Process process, URI uri, Path log, String kind) implements AutoCloseable {
        @Override
        public void close() throws IOException, InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
            Files.deleteIfExists(log);
        }
    }

    /**
     * Starts a fork server for {@code script} on a free port, the C one when it compiles (else the JVM one, saying
     * why on stderr); returns once it answers a request.
     */
    static Running start(Path script) throws IOException, InterruptedException {
        int port = ServerProcess.freePort();
        Path log = Files.createTempFile("tandem-bench-fork-", ".log");
        Path binary = compileNative();
        ProcessBuilder builder = binary != null
                ? new ProcessBuilder(binary.toString(), script.toAbsolutePath().toString())
                : new ProcessBuilder(ServerProcess.javaExecutable(), "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                        ForkServer.class.getName(), script.toAbsolutePath().toString());
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PORT", Integer.toString(port));
        Running running = new Running(builder.start(), URI.create("http://127.0.0.1:" + port + "/"), log, binary != null ? "C" : "JVM");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && running.process().isAlive()) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(running.uri()).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return running;
                throw new IllegalStateException("the fork server answered " + r.statusCode() + ": " + r.body());
            } catch (IOException notYetListening) {
                Thread.sleep(50); // polling a child's port: nothing to wait on instead
            } catch (RuntimeException e) {
                running.close();
                throw e;
            }
        }
        String output = Files.readString(log);
        running.close();
        throw new IllegalStateException("the fork server did not answer within 30 s; it wrote: " + output.strip());
    }

    /** The C fork server compiled into a temporary directory (deleted at exit), or null when it cannot be. */
    private static Path compileNative() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("tandem-bench-fork-");
        dir.toFile().deleteOnExit();
        Path source = dir.resolve("fork-server.c");
        try (InputStream in = ForkServer.class.getResourceAsStream("fork-server.c")) {
            if (in == null) throw new IllegalStateException("fork-server.c is missing from the bench's class path");
            Files.write(source, in.readAllBytes());
        }
        source.toFile().deleteOnExit();
        Path binary = dir.resolve("fork-server");
        Process cc;
        try {
            cc = new ProcessBuilder("cc", "-std=gnu11", "-O2", "-pthread", "-o", binary.toString(), source.toString()).redirectErrorStream(true).start();
        } catch (IOException noCompiler) {
            System.err.println("fork server: no C compiler (" + noCompiler.getMessage() + "): the JVM fork server is the baseline");
            return null;
        }
        String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (cc.waitFor() != 0) {
            System.err.println("fork server: cc failed, the JVM fork server is the baseline: " + output.strip());
            return null;
        }
        binary.toFile().deleteOnExit();
        return binary;
    }
}
