package io.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.client.TandemClient;
import io.tandem.model.Metadata;
import io.tandem.model.Names;
import io.tandem.model.Resource;
import io.tandem.model.TimeTrigger;
import io.tandem.model.TimeTriggerSpec;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "timer", description = "Manage time triggers: which function is called on which schedule.",
        mixinStandardHelpOptions = true,
        subcommands = {TimerCommand.Create.class, TimerCommand.ListTimers.class, TimerCommand.Next.class, TimerCommand.Delete.class})
final class TimerCommand extends CommandGroup {
    static final String PATH = Resource.Kind.TIME_TRIGGER.collectionPath();

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Call a function on a schedule, through the router (so its fault-tolerance strategy applies).",
                    "A firing is skipped while the previous one of the same timer still runs.",
                    "Schedules: five cron fields ('*/5 * * * *', minute precision), six with seconds first ('*/10 * * * * *'),",
                    "@every 10s (at each multiple of 10 s since the epoch), @hourly, @daily, @weekly, @monthly, @yearly.",
                    "Example: tandem timer create --name tick --function hello --cron '@every 1m'"})
    static final class Create implements Runnable {
        @Option(names = "--name", required = true, description = "Timer name.")
        String name;
        @Option(names = "--function", required = true, description = "Function to call.")
        String function;
        @Option(names = "--cron", required = true, description = "When to fire (see above).")
        String cron;
        @Option(names = "--method", description = "HTTP method (default: GET, or POST with --body).")
        String method;
        @Option(names = "--path", description = "Path (and query) the function sees (default: /).")
        String path;
        @Option(names = "--body", description = "Request body sent with each firing.")
        String body;

        @Override
        public void run() {
            TimeTriggerSpec s = new TimeTriggerSpec(function, cron, method, path, body);
            s.validate();
            TandemClient client = Connection.client();
            client.post(PATH, new TimeTrigger(Metadata.named(Names.require("--name", name)), s));
            JsonNode next = client.get(Connection.path(Resource.Kind.TIME_TRIGGER, name)).path("status").path("next");
            System.out.println("timer '" + name + "' created: " + s.cron() + " -> " + s.method() + " " + s.path() + " on " + function
                    + (next.isEmpty() ? "" : "; next firing " + next.get(0).asText()));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List time triggers, with their last and next firing.")
    static final class ListTimers implements Runnable {
        @Mixin
        Output output;

        @Override
        public void run() {
            output.list(Connection.client().list(Resource.Kind.TIME_TRIGGER),
                    List.of("NAME", "SCHEDULE", "FUNCTION", "REQUEST", "LAST FIRING", "NEXT FIRING"), ListTimers::row);
        }

        private static List<String> row(JsonNode t) {
            JsonNode next = t.path("status").path("next");
            return List.of(Output.text(t, "metadata.name"), Output.text(t, "spec.cron"), Output.text(t, "spec.function"),
                    Output.text(t, "spec.method") + " " + Output.text(t, "spec.path"), last(t.path("status")),
                    next.isEmpty() ? "never" : next.get(0).asText());
        }

        /** {@code 2026-12-02T15:00:00Z succeeded 200 (3 skipped)}, or empty before the first firing. */
        static String last(JsonNode status) {
            JsonNode l = status.path("lastFiring");
            if (l.isMissingNode()) return "";
            String s = l.path("scheduled").asText() + " " + l.path("outcome").asText() + (l.hasNonNull("status") ? " " + l.path("status").asInt() : "");
            long skipped = status.path("skipped").asLong();
            return skipped > 0 ? s + " (" + skipped + " skipped)" : s;
        }
    }

    @Command(name = "next", mixinStandardHelpOptions = true,
            description = {"Show the next firings of a timer, in the server's time zone.", "Example: tandem timer next --name tick --count 3"})
    static final class Next implements Runnable {
        @Option(names = "--name", required = true, description = "Timer name (see 'tandem timer list').")
        String name;
        @Option(names = "--count", defaultValue = "5", description = "How many firings, 1 to 100 (default: ${DEFAULT-VALUE}).")
        int count;
        @Mixin
        Output output;

        @Override
        public void run() {
            JsonNode t = Connection.client().get(Connection.path(Resource.Kind.TIME_TRIGGER, name) + "?next=" + count);
            JsonNode next = t.path("status").path("next");
            if (output.printedAsData(next)) return;
            if (next.isEmpty()) System.out.println("timer '" + name + "' never fires again");
            next.forEach(n -> System.out.println(n.asText()));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a time trigger; a firing already sent still runs.")
    static final class Delete implements Runnable {
        @Option(names = "--name", required = true, description = "Timer name (see 'tandem timer list').")
        String name;

        @Override
        public void run() {
            Connection.delete(Resource.Kind.TIME_TRIGGER, name);
            System.out.println("timer '" + name + "' deleted");
        }
    }
}
