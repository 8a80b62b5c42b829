package io.tandem.cli;

import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Names;
import io.tandem.model.Resource;
import io.tandem.model.Runtime;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "env", description = "Manage environments: the runtimes functions run in.",
        mixinStandardHelpOptions = true,
        subcommands = {EnvCommand.Create.class, EnvCommand.ListEnvs.class, EnvCommand.Get.class, EnvCommand.Delete.class})
final class EnvCommand extends CommandGroup {
    static final String PATH = Resource.Kind.ENVIRONMENT.collectionPath();

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create an environment.",
                    "Example: tandem env create --name python --runtime http --command 'python3 {code}'",
                    "         tandem env create --name fat-jar --runtime http --command '{java} -jar {jar}'",
                    "         tandem env create --name ric-python --runtime lambda --command 'python3 -m awslambdaric {handler}'",
                    "In COMMAND, {code} is the path of the function's unpacked code, {jar} (or {artifact}) the file as uploaded,",
                    "{java} the JVM that runs Tandem and {clients} the directory of Tandem's Lambda clients; for lambda,",
                    "{handler} is the function's entrypoint (without a command, the code's bootstrap runs).",
                    "Built in: java, exec, http, lambda, python-lambda and nodejs-lambda (docs/lambda.md)."})
    static final class Create implements Runnable {
        @Option(names = "--name", required = true, description = "Environment name.")
        String name;
        @Option(names = "--runtime", required = true, description = "java, exec, http or lambda.")
        Runtime runtime;
        @Option(names = "--command", description = "Command template that starts the function (exec, http and lambda).")
        String command;
        @Option(names = "--pool-size", description = "Warm generic instances per node (default 1).")
        Integer poolSize;
        @Option(names = "--jvm-option", description = "A JVM option for java instances; repeat for more.")
        List<String> jvmOptions;

        @Override
        public void run() {
            EnvironmentSpec s = new EnvironmentSpec(runtime, command, poolSize, jvmOptions);
            s.validate();
            Connection.client().post(PATH, new Environment(Metadata.named(Names.require("--name", name)), s));
            System.out.println("environment '" + name + "' created");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List environments.")
    static final class ListEnvs implements Runnable {
        @Mixin
        Output output;

        @Override
        public void run() {
            output.list(Connection.client().list(Resource.Kind.ENVIRONMENT), List.of("NAME", "RUNTIME", "POOL", "COMMAND"),
                    e -> Output.texts(e, "metadata.name", "spec.runtime", "spec.poolSize", "spec.command"));
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one environment.")
    static final class Get implements Runnable {
        @Option(names = "--name", required = true, description = "Environment name.")
        String name;
        @Mixin
        Output output;

        @Override
        public void run() {
            output.one(Connection.client().get(Connection.path(Resource.Kind.ENVIRONMENT, name)),
                    List.of("NAME", "RUNTIME", "POOL", "COMMAND", "JVM OPTIONS"),
                    e -> Output.texts(e, "metadata.name", "spec.runtime", "spec.poolSize", "spec.command", "spec.jvmOptions"));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an environment no function uses.")
    static final class Delete implements Runnable {
        @Option(names = "--name", required = true, description = "Environment name.")
        String name;

        @Override
        public void run() {
            Connection.delete(Resource.Kind.ENVIRONMENT, name);
            System.out.println("environment '" + name + "' deleted");
        }
    }
}
