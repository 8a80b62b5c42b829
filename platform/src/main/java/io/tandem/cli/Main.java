package io.tandem.cli;

import io.tandem.chaos.ChaosException;
import io.tandem.client.ServerUnreachableException;
import io.tandem.http.ApiException;
import io.tandem.model.InvalidResourceException;
import io.tandem.spec.SpecException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code tandem} command. */
@Command(name = "tandem",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {"Tandem: functions as a service, with the fault tolerance you choose per function.", ""},
        subcommands = {
                ServerCommand.class,
                AgentCommand.class,
                EnvCommand.class,
                FnCommand.class,
                RouteCommand.class,
                TimerCommand.class,
                MqtCommand.class,
                ApplyCommand.class,
                DeleteCommand.class,
                StatusCommand.class,
                EventsCommand.class,
                ChaosCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 done; 1 refused or failed; 2 bad usage; 3 no server reachable.",
                "State lives in TANDEM_HOME (default ~/.tandem). A server that serves TLS is trusted by the certificate",
                "fingerprint in TANDEM_TLS_FINGERPRINT, else by the CA file in TANDEM_TLS_CA, else by the fingerprint the server",
                "recorded in TANDEM_HOME. TANDEM_API_URL and TANDEM_ROUTER_URL point the commands at another server."})
public final class Main extends CommandGroup {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code; tests call this directly. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(Main::handle);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setUsageHelpAutoWidth(true);
        return cli.execute(args);
    }

    private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        Integer code = exitCode(e);
        if (code == null && System.getenv("TANDEM_DEBUG") != null) e.printStackTrace();
        cli.getErr().println("error: " + (code == null ? e.toString() : e.getMessage()));
        return code == null ? ExitCodes.FAILED : code;
    }

    /** The exit code of a failure whose message is written for users, or null for an unexpected one. */
    private static Integer exitCode(Exception e) {
        return switch (e) {
            case ApiException api -> ExitCodes.FAILED;
            case ServerUnreachableException u -> ExitCodes.UNAVAILABLE;
            case SpecException s -> ExitCodes.FAILED;
            case InvalidResourceException r -> ExitCodes.USAGE;
            case ChaosException c -> ExitCodes.FAILED;
            case io.tandem.client.ServerTrust.BadSetting bad -> ExitCodes.USAGE;
            case CommandFailedException f -> f.exitCode();
            case UncheckedIOException io -> ExitCodes.FAILED;
            case io.tandem.home.TandemHome.UnsafeTokenException unsafe -> ExitCodes.FAILED;
            default -> null;
        };
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"tandem " + (v == null ? "development build" : v) + " on Java " + System.getProperty("java.version")};
        }
    }
}
