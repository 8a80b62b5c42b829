package io.tandem.cli;

import io.tandem.agent.AgentMain;
import io.tandem.home.ServerInfo;
import io.tandem.model.Names;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Run one node's agent and join it to a running server.",
                "It starts and stops instance processes on this machine and keeps their logs."})
final class AgentCommand implements Runnable {
    @Option(names = "--name", required = true, description = "Node name, unique in the cluster (as n3).")
    String name;
    @Option(names = "--executor", description = "The executor's URL (default: read from TANDEM_HOME/server.json).")
    String executor;
    @Option(names = "--port", defaultValue = "0", description = "Agent API port (default: any free port).")
    int port;

    @Override
    public void run() {
        String url = executor != null ? executor : ServerInfo.readFrom(Connection.home()).map(ServerInfo::executor)
                .orElseThrow(() -> new CommandFailedException("no running server found in " + Connection.home().root()
                        + ": start 'tandem server' or pass --executor URL", ExitCodes.UNAVAILABLE));
        Names.require("--name", name);
        AgentMain.run(Connection.home(), name, url, port, false, Duration.ofSeconds(30));
        // The agent runs on its own threads until the process is stopped (its shutdown hook stops the instances).
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
