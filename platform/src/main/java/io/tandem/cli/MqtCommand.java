package io.tandem.cli;

import io.tandem.model.Durations;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.model.MessageQueueTriggerSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Names;
import io.tandem.model.Resource;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "mqt", description = "Manage message queue triggers: which function is called with the messages of which NATS subject.",
        mixinStandardHelpOptions = true,
        subcommands = {MqtCommand.Create.class, MqtCommand.ListTriggers.class, MqtCommand.Delete.class})
final class MqtCommand extends CommandGroup {
    static final String PATH = Resource.Kind.MESSAGE_QUEUE_TRIGGER.collectionPath();

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Call a function with each message published on a NATS subject.",
                    "Calls go through the router, so the function's fault-tolerance strategy",
                    "applies. Messages are kept in a JetStream stream, so they wait while the",
                    "function or the server is down.",
                    "A message is acknowledged once the function answered 2xx and the answer was",
                    "published on --resp-topic; after --max-retries failed retries it goes to",
                    "--error-topic. NATS: tandem server --nats (default nats://127.0.0.1:4222).",
                    "Example: tandem mqt create --name orders --function hello \\",
                    "           --topic orders.created --resp-topic orders.done"})
    static final class Create implements Runnable {
        @Option(names = "--name", required = true, description = "Trigger name.")
        String name;
        @Option(names = "--function", required = true, description = "Function to call.")
        String function;
        @Option(names = "--mqtype", defaultValue = MessageQueueTriggerSpec.NATS, description = "Message queue type; only nats (default: ${DEFAULT-VALUE}).")
        String type;
        @Option(names = "--topic", required = true, description = "NATS subject to read, such as orders.created (wildcards * and > allowed).")
        String topic;
        @Option(names = "--resp-topic", description = "Subject the function's 2xx answers are published on (default: none).")
        String respTopic;
        @Option(names = "--error-topic", description = "Subject a message goes to once its retries are spent (default: none; it is dropped).")
        String errorTopic;
        @Option(names = "--max-retries", description = "Retries of a failed message before it is given up (default: 3).")
        Integer maxRetries;
        @Option(names = "--retry-delay", description = "Wait before the first retry, doubled for each next one (default: 1s).")
        String retryDelay;
        @Option(names = "--max-retry-delay", description = "Longest wait between retries (default: 1m).")
        String maxRetryDelay;
        @Option(names = "--concurrency", description = "Messages in flight at once; 1 keeps their order (default: 1).")
        Integer concurrency;
        @Option(names = "--method", description = "HTTP method the function sees (default: POST).")
        String method;
        @Option(names = "--path", description = "Path (and query) the function sees (default: /).")
        String path;

        @Override
        public void run() {
            MessageQueueTriggerSpec s = new MessageQueueTriggerSpec(function, type, topic, respTopic, errorTopic, maxRetries,
                    retryDelay == null ? null : Durations.parse("--retry-delay", retryDelay),
                    maxRetryDelay == null ? null : Durations.parse("--max-retry-delay", maxRetryDelay), concurrency, method, path);
            s.validate();
            Connection.client().post(PATH, new MessageQueueTrigger(Metadata.named(Names.require("--name", name)), s));
            System.out.println("message queue trigger '" + name + "' created: nats " + topic + " -> " + s.method() + " " + s.path() + " on " + function
                    + (respTopic == null ? "" : ", answers on " + respTopic) + (errorTopic == null ? "" : ", dead letters on " + errorTopic));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List message queue triggers: topic, function, state, message counts.",
                    "Counts are since the server started; -o json shows the last error too."})
    static final class ListTriggers implements Runnable {
        @Mixin
        Output output;

        @Override
        public void run() {
            output.list(Connection.client().list(Resource.Kind.MESSAGE_QUEUE_TRIGGER), List.of("NAME", "TOPIC", "FUNCTION", "RESP TOPIC",
                    "ERROR TOPIC", "STATE", "DELIVERED", "SUCCEEDED", "RETRIED", "DEAD LETTERS"),
                    t -> Output.texts(t, "metadata.name", "spec.topic", "spec.function", "spec.respTopic", "spec.errorTopic", "status.state",
                            "status.delivered", "status.succeeded", "status.retried", "status.deadLettered"));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = {"Delete a message queue trigger and its JetStream consumer.",
                    "A message being handled still finishes. The stream and its messages stay."})
    static final class Delete implements Runnable {
        @Option(names = "--name", required = true, description = "Trigger name (see 'tandem mqt list').")
        String name;

        @Override
        public void run() {
            Connection.delete(Resource.Kind.MESSAGE_QUEUE_TRIGGER, name);
            System.out.println("message queue trigger '" + name + "' deleted");
        }
    }
}
