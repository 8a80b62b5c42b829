package io.tandem.cli;

import io.tandem.model.HttpTrigger;
import io.tandem.model.HttpTriggerSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Names;
import io.tandem.model.Resource;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "route", description = "Manage HTTP triggers: which method and path call which function.",
        mixinStandardHelpOptions = true,
        subcommands = {RouteCommand.Create.class, RouteCommand.ListRoutes.class, RouteCommand.Delete.class})
final class RouteCommand extends CommandGroup {
    static final String PATH = Resource.Kind.HTTP_TRIGGER.collectionPath();

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Route a method and path to a function.",
                    "Paths may hold {param} segments (/users/{id}) or end in /* to match a prefix.",
                    "Example: tandem route create --function hello --method GET --path /hello"})
    static final class Create implements Runnable {
        @Option(names = "--function", required = true, description = "Function to call.")
        String function;
        @Option(names = "--method", defaultValue = "*", description = "HTTP method, or * for all (default: ${DEFAULT-VALUE}).")
        String method;
        @Option(names = "--path", required = true, description = "Path to match.")
        String path;
        @Option(names = "--name", description = "Trigger name (default: derived from function and method).")
        String name;

        @Override
        public void run() {
            HttpTriggerSpec s = new HttpTriggerSpec(function, method, path);
            s.validate();
            String triggerName = name != null ? name : defaultName(function, s.method(), path);
            Connection.client().post(PATH, new HttpTrigger(Metadata.named(Names.require("--name", triggerName)), s));
            System.out.println("route '" + triggerName + "' created: " + s.method() + " " + path + " -> " + function);
        }

        static String defaultName(String function, String method, String path) {
            String slug = path.replaceAll("[^a-zA-Z0-9]+", "-").replaceAll("(^-|-$)", "").toLowerCase(Locale.ROOT);
            String n = function + "-" + (method.equals("*") ? "any" : method.toLowerCase(Locale.ROOT)) + (slug.isEmpty() ? "" : "-" + slug);
            return n.length() > 63 ? n.substring(0, 63).replaceAll("-$", "") : n;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List HTTP triggers.")
    static final class ListRoutes implements Runnable {
        @Mixin
        Output output;

        @Override
        public void run() {
            output.list(Connection.client().list(Resource.Kind.HTTP_TRIGGER), List.of("NAME", "METHOD", "PATH", "FUNCTION"),
                    t -> Output.texts(t, "metadata.name", "spec.method", "spec.path", "spec.function"));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an HTTP trigger.")
    static final class Delete implements Runnable {
        @Option(names = "--name", required = true, description = "Trigger name (see 'tandem route list').")
        String name;

        @Override
        public void run() {
            Connection.delete(Resource.Kind.HTTP_TRIGGER, name);
            System.out.println("route '" + name + "' deleted");
        }
    }
}
