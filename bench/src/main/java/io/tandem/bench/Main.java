package io.tandem.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.bench.paper.PaperCommand;
import io.tandem.client.TandemClient;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tandem bench ...}: Tandem's benchmarks. Each prints its figures; none asserts anything. */
@Command(name = "tandem bench", mixinStandardHelpOptions = true,
        description = "Benchmarks against a real server started in a child process.",
        subcommands = {RouterHop.class, ColdStart.class, Failover.class, EventsBench.class, PaperCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The benchmarks' command line, as {@code tandem bench} runs it. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // A mistake gets one line saying what was wrong, not the whole usage.
        cli.setParameterExceptionHandler((e, given) -> {
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            e.getCommandLine().getErr().println(command + ": " + e.getMessage());
            e.getCommandLine().getErr().println("Try '" + command + " --help' for the options.");
            return 2;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Waits for the function's first ready instance and returns its port. */
    static int awaitReadyInstance(TandemClient client, String function) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode i : client.get("/v1/status").path("instances")) {
                if (function.equals(i.path("function").asText()) && "ready".equals(i.path("state").asText())) return i.path("port").asInt();
            }
            Thread.sleep(50); // polling the API: the benchmark has no event stream to wait on
        }
        throw new IllegalStateException("no ready instance of " + function + " after 60 s: " + client.get("/v1/status"));
    }

    /** Waits until the environment has a ready, unspecialized pool instance. */
    static void awaitWarmPool(TandemClient client, String environment) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode i : client.get("/v1/status").path("instances")) {
                if (environment.equals(i.path("environment").asText()) && "pool".equals(i.path("role").asText())
                        && "ready".equals(i.path("state").asText())) return;
            }
            Thread.sleep(50); // polling the API: the benchmark has no event stream to wait on
        }
        throw new IllegalStateException("no warm " + environment + " instance after 60 s: " + client.get("/v1/status"));
    }
}
