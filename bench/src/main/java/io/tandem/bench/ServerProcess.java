package io.tandem.bench;

import io.tandem.client.TandemClient;
import io.tandem.executor.LocalAgents;
import io.tandem.home.ServerInfo;
import io.tandem.home.TandemHome;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@code tandem server} in a child process with its own temporary {@code TANDEM_HOME} and free ports, so a
 * benchmark loads it from outside, as a user would. Closing it stops the server and deletes the home.
 */
public final class ServerProcess implements AutoCloseable {
    /**
     * Servers not yet closed. A benchmark stopped with Ctrl-C or SIGTERM stops them in a shutdown hook (each server
     * stops its agents and instances on SIGTERM), so no process of a run outlives it.
     */
    private static final Set<Process> running = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("bench-servers-stop").unstarted(() -> {
            running.forEach(Process::destroy);
            for (Process p : running) {
                try {
                    if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            }
        }));
    }

    private final Process process;
    private final TandemHome home;
    private final ServerInfo info;
    /** What the server's environment has beyond this JVM's; agents started again get it too. */
    private final Map<String, String> environment;
    /** Agents started again after a node kill ({@link #restartNode}); children of this JVM, stopped on close. */
    private final List<Process> restartedAgents = new ArrayList<>();

    private ServerProcess(Process process, TandemHome home, ServerInfo info, Map<String, String> environment) {
        this.process = process;
        this.environment = Map.copyOf(environment);
        this.home = home;
        this.info = info;
    }

    public static ServerProcess start(int nodes, String... extraArgs) throws IOException, InterruptedException {
        return start(nodes, Map.of(), extraArgs);
    }

    /**
     * Starts a server with {@code nodes} agents; {@code environment} is added to the server's, which its agents and
     * their instances inherit (a function's settings, such as where its Redis is); {@code extraArgs} go to
     * {@code tandem server} as they are, such as {@code --no-metrics}.
     */
    public static ServerProcess start(int nodes, Map<String, String> environment, String... extraArgs) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("tandem-bench-");
        TandemHome home = new TandemHome(dir);
        List<String> cmd = new ArrayList<>(List.of(javaExecutable(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.tandem.cli.Main", "server",
                "--nodes", Integer.toString(nodes), "--port", Integer.toString(freePort()), "--api-port", Integer.toString(freePort())));
        cmd.addAll(List.of(extraArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile());
        pb.environment().putAll(environment);
        pb.environment().put("TANDEM_HOME", dir.toString());
        Process p = pb.start();
        running.add(p);
        long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos(); // above the server's own 90 s for its agents to register
        while (System.nanoTime() < deadline) {
            var info = ServerInfo.readFrom(home);
            if (info.isPresent() && info.get().pid() == p.pid()) return new ServerProcess(p, home, info.get(), environment);
            if (!p.isAlive()) break;
            Thread.sleep(50); // polling a file the child writes; nothing to wait on instead
        }
        p.destroyForcibly();
        running.remove(p);
        Path log = dir.resolve("server.log");
        List<String> lines = Files.readAllLines(log);
        String why = lines.stream().filter(l -> l.startsWith("error:")).reduce((a, b) -> b)
                .orElse(lines.isEmpty() ? "it wrote nothing" : lines.getLast());
        throw new IllegalStateException("the server did not start (" + why + "); its log: " + log);
    }

    /**
     * Starts the agent of {@code node} again after it was killed, with the server's environment: it registers under
     * its old name and the executor places instances on it again. The agent is a child of this JVM (it exits with it) and is stopped on close.
     */
    public synchronized void restartNode(String node) throws IOException {
        restartedAgents.removeIf(p -> !p.isAlive());
        Process agent = LocalAgents.spawnOne(home, info.executor(), node, System.getProperty("java.class.path"), environment);
        running.add(agent);
        restartedAgents.add(agent);
    }

    /** The processes of this server's cluster: the server, and the agents started again, with their descendants. */
    public synchronized List<ProcessHandle> processTree() {
        List<ProcessHandle> roots = new ArrayList<>();
        roots.add(process.toHandle());
        restartedAgents.stream().filter(Process::isAlive).map(Process::toHandle).forEach(roots::add);
        List<ProcessHandle> all = new ArrayList<>();
        for (ProcessHandle root : roots) {
            if (!root.isAlive()) continue;
            all.add(root);
            root.descendants().forEach(all::add);
        }
        return all;
    }

    public long pid() {
        return process.pid();
    }

    /** CPU time the server process (controller, router, executor; not agents or instances) has used so far. */
    Duration cpuTime() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    public TandemClient client() {
        return new TandemClient(URI.create(info.api()), home.readToken());
    }

    public ServerInfo info() {
        return info;
    }

    TandemHome home() {
        return home;
    }

    static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static int freePort() throws IOException {
        return io.tandem.http.FreePort.loopback();
    }

    @Override
    /**
     * Stops the server (it stops its agents and instances) and the agents started again, and deletes the home. Runs to
     * the end also when the caller was interrupted (a benchmark stopped with Ctrl-C), keeping the interrupt.
     */
    public void close() throws Exception {
        boolean interrupted = Thread.interrupted();
        try {
            List<Process> agents;
            synchronized (this) {
                agents = List.copyOf(restartedAgents);
            }
            agents.forEach(Process::destroy);
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
            running.remove(process);
            for (Process agent : agents) {
                if (!agent.waitFor(30, TimeUnit.SECONDS)) agent.destroyForcibly().waitFor();
                running.remove(agent);
            }
            try (Stream<Path> files = Files.walk(home.root())) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
