package io.tandem.server;

import io.tandem.cli.Main;
import io.tandem.client.TandemClient;
import io.tandem.home.TandemHome;
import io.tandem.mqt.MessageQueueTriggers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** A whole Tandem server in this JVM (agents and instances as real child processes) on free ports and a temp home. */
final class RunningServer implements AutoCloseable {
    final TandemHome home;
    final Server server;
    final TandemClient client;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    RunningServer(int nodes) throws IOException {
        this(nodes, MessageQueueTriggers.DEFAULT_NATS_URL);
    }

    /** With message queue triggers reading NATS at {@code natsUrl}. */
    RunningServer(int nodes, String natsUrl) throws IOException {
        this(nodes, c -> c.withNatsUrl(natsUrl));
    }

    /** With the settings {@code tweak} makes of the defaults (free ports, a temp home, {@code nodes} agents). */
    RunningServer(int nodes, UnaryOperator<ServerConfig> tweak) throws IOException {
        home = new TandemHome(Files.createTempDirectory("tandem-it-"));
        server = Server.start(tweak.apply(new ServerConfig(home, "127.0.0.1", 0, 0, nodes)));
        client = new TandemClient(URI.create("http://127.0.0.1:" + server.apiPort()), home.readToken());
    }

    URI router(String path) {
        return URI.create("http://127.0.0.1:" + server.routerPort() + path);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(router(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(router(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Runs a CLI command against this server, as a user would type it. */
    int cli(String... args) {
        String before = System.getProperty("tandem.home");
        System.setProperty("tandem.home", home.root().toString());
        try {
            return Main.run(args);
        } finally {
            if (before == null) System.clearProperty("tandem.home");
            else System.setProperty("tandem.home", before);
        }
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("examples"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
        return p;
    }

    @Override
    public void close() throws IOException {
        server.stop();
        try (Stream<Path> files = Files.walk(home.root())) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /**
     * Lets functions append to {@code file}: run by a root server, instances are users of their own, so a test's
     * private temporary directory must let them in (the test reads what they wrote as root).
     */
    static void letFunctionsAppend(Path file) throws IOException {
        letFunctionsWrite(file.getParent());
        // Made here, writable by all: instances of one function (a pair after a failover) are different users.
        if (!java.nio.file.Files.exists(file)) java.nio.file.Files.createFile(file);
        java.nio.file.Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
    }

    /** Lets functions create files in {@code dir} and reach it (every directory above gets o+x). */
    static void letFunctionsWrite(Path dir) throws IOException {
        java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        for (Path up = dir.getParent(); up != null && up.getParent() != null; up = up.getParent()) {
            var mode = java.nio.file.Files.getPosixFilePermissions(up);
            if (mode.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) java.nio.file.Files.setPosixFilePermissions(up, mode);
        }
    }
}
