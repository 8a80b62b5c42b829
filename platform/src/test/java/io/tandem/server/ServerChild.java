package io.tandem.server;

import static org.awaitility.Awaitility.await;

import io.tandem.home.ServerInfo;
import io.tandem.home.TandemHome;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A one-node {@code tandem server} in a child process, for tests that kill it with SIGKILL and start it again. */
final class ServerChild {
    private ServerChild() {
    }

    /**
     * Starts the server on the given ports, with {@code extraArgs} after the others, and returns once it has written
     * its address file; output goes to server.out.
     */
    static Process start(TandemHome home, int routerPort, int apiPort, String... extraArgs) throws IOException {
        List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.tandem.cli.Main", "server", "--nodes", "1", "--port", Integer.toString(routerPort), "--api-port", Integer.toString(apiPort)));
        argv.addAll(List.of(extraArgs));
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.root().resolve("server.out").toFile()));
        pb.environment().put("TANDEM_HOME", home.root().toString());
        Process p = pb.start();
        await().atMost(Duration.ofSeconds(120)).until(() -> { // the server itself allows its agents 90 s to register
            if (!p.isAlive()) throw new AssertionError("server exited: " + Files.readString(home.root().resolve("server.out")));
            return ServerInfo.readFrom(home).filter(i -> i.pid() == p.pid()).isPresent();
        });
        return p;
    }

    static int freePort() throws IOException {
        return io.tandem.http.FreePort.loopback();
    }
}
