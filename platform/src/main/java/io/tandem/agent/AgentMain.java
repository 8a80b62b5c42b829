package io.tandem.agent;

import io.tandem.home.TandemHome;
import io.tandem.http.EventLoops;
import io.tandem.model.Sizes;
import io.tandem.model.Durations;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code AgentMain --name n1 --executor http://127.0.0.1:PORT [--port 0] [--home DIR] [--exit-with-parent]
 * [--executor-loss-limit 30s]}. With {@code --exit-with-parent} (a server started it) the agent exits when its
 * parent process exits or when the executor has been unreachable for the loss limit.
 */
public final class AgentMain {
    private static final Logger log = LoggerFactory.getLogger(AgentMain.class);

    private AgentMain() {
    }

    public static void main(String[] args) {
        String name = null;
        String executor = null;
        int port = 0;
        TandemHome home = null;
        boolean exitWithParent = false;
        Duration lossLimit = Duration.ofSeconds(30);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--name" -> name = args[++i];
                case "--executor" -> executor = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--home" -> home = new TandemHome(Path.of(args[++i]).toAbsolutePath());
                case "--exit-with-parent" -> exitWithParent = true;
                case "--executor-loss-limit" -> lossLimit = Durations.parse("--executor-loss-limit", args[++i]);
                default -> {
                    System.err.println("unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (name == null || executor == null) {
            System.err.println("usage: AgentMain --name NAME --executor URL [--port 0] [--home DIR] [--exit-with-parent]");
            System.exit(2);
        }
        try {
            logCap(System.getenv("TANDEM_LOG_CAP"));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
        run(home == null ? TandemHome.fromEnvironment() : home, name, executor, port, exitWithParent, lossLimit);
    }

    /** Starts the agent and returns; the JVM exits when the parent or the executor goes away (if asked to). */
    public static Agent run(TandemHome home, String name, String executor, int port, boolean exitWithParent, Duration lossLimit) {
        Vertx vertx = EventLoops.create(EventLoops.Load.CONTROL);
        Agent.Config base = Agent.Config.of(name, executor, home).withPort(port).withExitWhenExecutorLost(exitWithParent);
        Agent.Config config = new Agent.Config(base.name(), base.executorUrl(), base.host(), base.port(), base.home(),
                base.heartbeatInterval(), base.stopGrace(), base.readyTimeout(), lossLimit, base.exitWhenExecutorLost(),
                logCap(System.getenv("TANDEM_LOG_CAP")));
        Agent agent = new Agent(vertx, config);
        agent.start().toCompletionStage().toCompletableFuture().join();
        System.out.println("agent " + name + " listening on " + agent.url());
        if (exitWithParent) {
            ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> shutdown(agent, "parent process exited")));
            agent.executorLost().onSuccess(v -> shutdown(agent, "executor unreachable"));
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            try {
                agent.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // exiting anyway
            }
        }));
        return agent;
    }

    /**
     * The log cap per function on this node from {@code TANDEM_LOG_CAP}: bytes, or with a KB, MB or GB suffix
     * (powers of 1024), at least 64KB; 10MB when unset. A bad value stops the agent with the reason.
     */
    public static long logCap(String text) {
        if (text == null || text.isBlank()) return Agent.Config.DEFAULT_LOG_CAP;
        long bytes = Sizes.bytes(text);
        if (bytes < 64 << 10) {
            throw new IllegalArgumentException("TANDEM_LOG_CAP '" + text + "' is not a size of at least 64KB; write it as 10MB, 512KB or 1GB");
        }
        return bytes;
    }

    private static void shutdown(Agent agent, String why) {
        log.warn("agent {} exiting: {}", agent.name(), why);
        System.exit(0);
    }
}
