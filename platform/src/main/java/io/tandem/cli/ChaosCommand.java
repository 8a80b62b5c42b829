package io.tandem.cli;

import io.tandem.chaos.Chaos;
import io.tandem.chaos.ChaosException;
import io.tandem.chaos.Freeze;
import io.tandem.chaos.FreezeResult;
import io.tandem.chaos.KillResult;
import io.tandem.chaos.Target;
import io.tandem.model.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Inject failures into a server on this machine: kill an instance, a node or the controller; freeze a node.",
                "Each prints when it struck, in UTC to the millisecond.",
                "With -o json: the targets, their pids and the times in epoch ms, for scripts and benchmarks."},
        subcommands = {ChaosCommand.KillInstance.class, ChaosCommand.KillNode.class, ChaosCommand.FreezeNode.class,
                ChaosCommand.KillController.class})
final class ChaosCommand extends CommandGroup {
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** Longer freezes are more likely a typo than an experiment. */
    static final Duration MAX_FREEZE = Duration.ofMinutes(10);

    enum RoleOption { active, standby, replica, pool, any }

    @Command(name = "kill-instance", mixinStandardHelpOptions = true,
            description = {"SIGKILL one instance of a function and wait until its process is gone.",
                    "Without options: its active instance if it has one, else any ready instance."})
    static final class KillInstance implements Runnable {
        @Parameters(paramLabel = "FUNCTION", description = "The function whose instance dies.")
        String function;
        @Option(names = "--role", paramLabel = "ROLE", description = "Kill a ready instance with this role: ${COMPLETION-CANDIDATES}.")
        RoleOption role;
        @Option(names = "--instance", paramLabel = "ID", description = "Kill this instance (an id from 'tandem status').")
        String instance;
        @Mixin
        Output output;

        @Override
        public void run() {
            if (role != null && instance != null) throw new CommandFailedException("give --role or --instance, not both", ExitCodes.USAGE);
            Chaos chaos = Chaos.local(Connection.client());
            KillResult r = instance != null ? chaos.killInstanceById(function, instance)
                    : chaos.killInstance(function, role == null ? null : role.name());
            if (output.printedAsData(r)) return;
            Target t = r.targets().getFirst();
            System.out.println(time(r.signalledAtMs()) + " killed instance " + t.name() + " of " + t.function() + " (role " + t.role()
                    + ", node " + t.node() + ", pid " + t.pid() + ") with SIGKILL");
        }
    }

    @Command(name = "kill-node", mixinStandardHelpOptions = true,
            description = {"Crash a node: SIGKILL its agent and every instance on it, and wait until all are gone.",
                    "Instances die first and the agent last, back to back; the server finds the node dead on its own."})
    static final class KillNode implements Runnable {
        @Parameters(paramLabel = "NODE", description = "The node, as 'tandem status' names it (n1, n2...).")
        String node;
        @Mixin
        Output output;

        @Override
        public void run() {
            KillResult r = Chaos.local(Connection.client()).killNode(node);
            if (output.printedAsData(r)) return;
            System.out.println(time(r.signalledAtMs()) + " killed node " + node + " with SIGKILL: " + describe(r.targets()));
        }
    }

    @Command(name = "freeze-node", mixinStandardHelpOptions = true,
            description = {"Hang a node: SIGSTOP its agent and every instance on it, then SIGCONT them after --for.",
                    "Interrupting the command (Ctrl-C) resumes them too, so nothing stays stopped."})
    static final class FreezeNode implements Runnable {
        @Parameters(paramLabel = "NODE", description = "The node, as 'tandem status' names it (n1, n2...).")
        String node;
        @Option(names = "--for", paramLabel = "DURATION", defaultValue = "5s",
                description = "How long the node stays frozen, as 500ms, 5s, 2m; at most 10m (default: ${DEFAULT-VALUE}).")
        String duration;
        @Mixin
        Output output;

        @Override
        public void run() {
            Duration d = Durations.parse("--for", duration);
            if (d.isZero() || d.compareTo(MAX_FREEZE) > 0) {
                throw new CommandFailedException("--for " + duration + ": give a duration from 1ms to 10m", ExitCodes.USAGE);
            }
            FreezeResult r;
            try (Freeze frozen = Chaos.local(Connection.client()).freezeNode(node)) {
                if (output.isTable()) {
                    System.out.println(time(frozen.frozenAtMs()) + " froze node " + node + " with SIGSTOP for " + Durations.format(d)
                            + ": " + describe(frozen.targets()));
                    System.out.flush();
                }
                Thread.sleep(d);
                r = frozen.thaw();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ChaosException("interrupted; node " + node + " was resumed with SIGCONT");
            }
            if (output.printedAsData(r)) return;
            System.out.println(time(r.thawedAtMs()) + " thawed node " + node + " with SIGCONT after "
                    + (r.thawedAtMs() - r.frozenAtMs()) + "ms");
        }
    }

    @Command(name = "kill-controller", mixinStandardHelpOptions = true,
            description = {"Crash the control plane: SIGKILL the controller process (API and store) and wait until it is gone.",
                    "The server restarts it; deployed functions keep serving and failing over meanwhile."})
    static final class KillController implements Runnable {
        @Mixin
        Output output;

        @Override
        public void run() {
            KillResult r = Chaos.local(Connection.client()).killController();
            if (output.printedAsData(r)) return;
            System.out.println(time(r.signalledAtMs()) + " killed the controller (pid " + r.targets().getFirst().pid() + ") with SIGKILL");
        }
    }

    static String time(long epochMs) {
        return UTC.format(Instant.ofEpochMilli(epochMs));
    }

    /** "agent pid 41, instance echo-1 pid 52, pid 60". */
    static String describe(List<Target> targets) {
        return targets.stream().map(t -> switch (t.kind()) {
            case "agent" -> "agent pid " + t.pid();
            case "instance" -> "instance " + t.name() + " pid " + t.pid();
            default -> "pid " + t.pid();
        }).collect(Collectors.joining(", "));
    }
}
