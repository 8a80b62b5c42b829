package io.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.home.ServerInfo;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the nodes and every instance: function, node, role, state, pid, port, epoch; and the message",
                "queue triggers: NATS connection, state and message counts.",
                "Use -o json for scripts."})
final class StatusCommand implements Runnable {
    @Mixin
    Output output;

    @Override
    public void run() {
        JsonNode status = Connection.client().get("/v1/status");
        if (output.printedAsData(status)) return;
        ServerInfo.readFrom(Connection.home()).ifPresent(i ->
                System.out.println("router " + i.router() + "   api " + i.api() + "   server pid " + i.pid()
                        + (status.path("controller").path("pid").asLong() > 0 ? "   controller pid " + status.path("controller").path("pid").asLong() : "")
                        + "\n"));
        List<List<String>> nodes = new ArrayList<>();
        for (JsonNode n : status.path("nodes")) {
            nodes.add(List.of(Output.text(n, "name"), Output.text(n, "state"), Output.text(n, "pid"), Output.text(n, "url")));
        }
        Output.table(List.of("NODE", "STATE", "PID", "URL"), nodes);
        System.out.println();
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode i : status.path("instances")) {
            rows.add(List.of(Output.text(i, "id"), Output.text(i, "function"), Output.text(i, "environment"),
                    Output.text(i, "node"), Output.text(i, "role"), Output.text(i, "state"), Output.text(i, "pid"),
                    Output.text(i, "port"), Output.text(i, "epoch")));
        }
        Output.table(List.of("INSTANCE", "FUNCTION", "ENV", "NODE", "ROLE", "STATE", "PID", "PORT", "EPOCH"), rows);
        printQueues(status.path("messageQueueTriggers"));
        for (JsonNode w : status.path("warnings")) System.out.println("\nwarning: " + w.asText());
    }

    /** The message queue triggers, when there are any: the NATS connection, then one row each. */
    private static void printQueues(JsonNode queues) {
        if (queues.path("triggers").isEmpty()) return;
        System.out.println("\nnats " + Output.text(queues, "nats") + "   " + Output.text(queues, "connection") + "\n");
        List<List<String>> rows = new ArrayList<>();
        queues.path("triggers").properties().forEach(e -> rows.add(List.of(e.getKey(), Output.text(e.getValue(), "state"),
                Output.text(e.getValue(), "delivered"), Output.text(e.getValue(), "succeeded"), Output.text(e.getValue(), "retried"),
                Output.text(e.getValue(), "deadLettered"))));
        Output.table(List.of("MQ TRIGGER", "STATE", "DELIVERED", "SUCCEEDED", "RETRIED", "DEAD LETTERS"), rows);
    }
}
