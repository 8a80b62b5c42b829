package io.tandem.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * The native exec host ({@code exec-host.c}, a resource of the runtime), compiled once per test JVM into
 * {@code target/native/} with the node's C compiler, and started as an agent starts it: {@code exec-host exec} with
 * {@code PORT} and the {@code TANDEM_*} variables in its environment and the secret on its standard input. Its stderr
 * (the instance's log) is read by a thread of its own and kept, so the host never blocks on a full pipe.
 *
 * <p>Without a {@code cc} on the PATH the calling test is skipped, with the reason.
 */
public final class NativeHost implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("tandem-runtime: exec listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern CONTROL = Pattern.compile("\"control\":(\\d+)");

    private static Compiled compiled;

    /** The binary and what the compiler said while making it (warnings included, with -Wall -Wextra). */
    public record Compiled(Path binary, String compilerOutput) {
    }

    private final Process process;
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private TestInstance instance;

    private NativeHost(Process process) {
        this.process = process;
    }

    /** Compiles the host once per test JVM; skips the test when there is no C compiler, fails it when compiling fails. */
    public static synchronized Compiled compiled() {
        if (compiled != null) return compiled;
        Path cc = onPath("cc");
        Assumptions.assumeTrue(cc != null, "no cc on the PATH: the native exec host cannot be built here");
        try {
            Path dir = targetDirectory().resolve("native");
            Files.createDirectories(dir);
            Path source = dir.resolve("exec-host.c");
            try (InputStream in = NativeHost.class.getResourceAsStream("/io/tandem/runtime/exec/exec-host.c")) {
                assertThat(in).as("exec-host.c on the runtime's class path").isNotNull();
                Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
            }
            Path binary = dir.resolve("exec-host");
            Process compiler = new ProcessBuilder(cc.toString(), "-std=gnu11", "-O2", "-Wall", "-Wextra", "-pthread", "-o", binary.toString(), source.toString())
                    .redirectErrorStream(true).start();
            String output = new String(compiler.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(compiler.waitFor(120, TimeUnit.SECONDS)).as("cc finished").isTrue();
            assertThat(compiler.exitValue()).as("cc says:%n%s", output).isZero();
            compiled = new Compiled(binary, output);
            return compiled;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The built binary. */
    public static Path binary() {
        return compiled().binary();
    }

    /** Starts a host with {@code PORT=0} plus {@code env} and the test secret; returns once it listens. */
    public static NativeHost start(Map<String, String> env) {
        var all = new java.util.HashMap<>(env);
        all.putIfAbsent("PORT", "0");
        NativeHost host = launch(List.of("exec"), all, TestInstance.SECRET + "\n");
        try {
            int port = host.port.get(10, TimeUnit.SECONDS);
            host.instance = TestInstance.of(port, host::controlPort, host::close);
            return host;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            host.close();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            host.close();
            throw new AssertionError("the native host did not report listening; its log: " + host.log(), e);
        }
    }

    /** Starts the binary with {@code args}, this JVM's environment without PORT or TANDEM_* plus {@code env}, and {@code stdin}. */
    public static NativeHost launch(List<String> args, Map<String, String> env, String stdin) {
        var command = new ArrayList<String>();
        command.add(binary().toString());
        command.addAll(args);
        var builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().keySet().removeIf(name -> name.startsWith("TANDEM_") || name.equals("PORT"));
        builder.environment().putAll(env);
        try {
            NativeHost host = new NativeHost(builder.start());
            Thread.ofPlatform().daemon().name("native-host-stderr").start(host::readLog);
            try (var in = host.process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException exitedAlready) {
                // a host that refuses its arguments may be gone before its stdin is written
            }
            return host;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void readLog() {
        try (var in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                log.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.matches()) port.complete(Integer.parseInt(m.group(1)));
            }
        } catch (IOException ignored) {
            // the host is gone
        } finally {
            port.completeExceptionally(new IOException("the host's stderr ended: it exited with " + process.isAlive()));
        }
    }

    public TestInstance instance() {
        return instance;
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    /** The host's stderr so far, one entry per line. */
    public List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** The control line's port, as the health answer announces it. */
    public int controlPort() {
        String health = instance.get("/_/health").body();
        Matcher m = CONTROL.matcher(health);
        assertThat(m.find()).as("control port in %s", health).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** Stops the host as the agent does (SIGTERM), forcibly if it lingers. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }

    /** {@code target/}: the parent of the classes directory the C source was copied to. */
    private static Path targetDirectory() {
        try {
            var resource = NativeHost.class.getResource("/io/tandem/runtime/exec/exec-host.c");
            if (resource != null && resource.getProtocol().equals("file")) {
                Path classes = Path.of(resource.toURI()).getParent().getParent().getParent().getParent().getParent();
                return classes.getParent();
            }
        } catch (URISyntaxException e) {
            // fall back to the working directory
        }
        return Path.of("target").toAbsolutePath();
    }
}
