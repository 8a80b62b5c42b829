package io.tandem.executor;

import io.tandem.home.TandemHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Spawns the agents of {@code tandem server --nodes N}: separate JVMs named n1..nN, children of this one, so a node
 * can die on its own. Each runs {@code java -cp <classpath> io.tandem.agent.AgentMain --name nK --executor URL
 * --exit-with-parent} with {@code TANDEM_HOME} set, its output appended to {@code nodes/nK/agent.log}.
 */
public final class LocalAgents {
    private LocalAgents() {
    }

    public static List<Process> spawn(TandemHome home, String executorUrl, int n, String classpath) {
        List<Process> started = new ArrayList<>();
        try {
            for (int k = 1; k <= n; k++) started.add(spawnOne(home, executorUrl, "n" + k, classpath, Map.of()));
            return started;
        } catch (IOException e) {
            started.forEach(Process::destroyForcibly);
            throw new UncheckedIOException("cannot start the local agents: " + e.getMessage(), e);
        }
    }

    /**
     * Starts the agent of node {@code name} as a child of this JVM (it exits with it): a new node, or a crashed one
     * joining again under its old name. It inherits this JVM's environment plus {@code environment}, which its
     * instances inherit in turn.
     */
    public static Process spawnOne(TandemHome home, String executorUrl, String name, String classpath, Map<String, String> environment) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path dir = home.nodeDir(name);
        Files.createDirectories(dir);
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms16m", "-Xss512k",
                "-cp", classpath, "io.tandem.agent.AgentMain", "--name", name, "--executor", executorUrl, "--exit-with-parent")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.log").toFile()));
        pb.environment().putAll(environment);
        pb.environment().put("TANDEM_HOME", home.root().toString());
        return pb.start();
    }
}
