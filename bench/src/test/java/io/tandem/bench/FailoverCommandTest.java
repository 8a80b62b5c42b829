package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.Runtime;
import io.tandem.model.Strategy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The failover benchmark's options: read into a plan, or refused with one line before any server starts. */
class FailoverCommandTest {
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "failover";
        System.arraycopy(args, 0, all, 1, args.length);
        return cli.execute(all);
    }

    private static Failover.Plan plan(String... args) {
        CommandLine cli = new CommandLine(new Failover());
        cli.parseArgs(args);
        return cli.<Failover>getCommand().plan();
    }

    @Test
    void defaultsToTheJavaFunctionUnderEveryStrategyAndFault() {
        Failover.Plan p = plan();
        assertThat(p.runtimes()).containsExactly(Runtime.JAVA);
        assertThat(p.strategies()).containsExactly(Strategy.RETRY, Strategy.ACTIVE_STANDBY, Strategy.REPLICATE);
        assertThat(p.faults()).containsExactly(Fault.INSTANCE, Fault.NODE, Fault.FREEZE);
        assertThat(p.faultAt()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void readsCommaListsOfRuntimesStrategiesAndFaults() {
        Failover.Plan p = plan("--runtime", "exec,java,http", "--strategies", "active-standby", "--faults", "none,instance,instance",
                "--rate", "50", "--stress");
        assertThat(p.runtimes()).containsExactly(Runtime.EXEC, Runtime.JAVA, Runtime.HTTP);
        assertThat(p.strategies()).containsExactly(Strategy.ACTIVE_STANDBY);
        assertThat(p.faults()).as("a repeated fault is measured once").containsExactly(Fault.NONE, Fault.INSTANCE);
    }

    @Test
    void refusesAnUnknownRuntimeStrategyOrFault() {
        assertThat(run("--runtime", "java,python")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown runtime 'python': use exec, java or http");
        assertThat(run("--strategies", "hope")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown strategy 'hope'");
        assertThat(run("--strategies", "none")).isEqualTo(2);
        assertThat(err.toString()).contains("strategy 'none' has nothing to fail over");
        assertThat(run("--faults", "none,meteor")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown fault 'meteor': use none, instance, node, freeze");
    }

    @Test
    void refusesARateTrialsOrTimesThatCannotWork() {
        assertThat(run("--rate", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--rate must be 1 to 10000");
        assertThat(run("--trials", "0")).isEqualTo(2);
        assertThat(run("--nodes", "1")).isEqualTo(2);
        assertThat(run("--fault-at", "9s", "--seconds", "8")).isEqualTo(2);
        assertThat(err.toString()).contains("--fault-at 9s must come before the load ends");
        assertThat(run("--freeze", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("invalid duration 'soon'");
        assertThat(run("--rate", "many")).as("picocli's own refusal").isEqualTo(2);
    }

    @Test
    void refusesAMissingFunctionFile() {
        assertThat(run("--runtime", "exec", "--script", "no/such/script.sh")).isEqualTo(3);
        assertThat(err.toString()).contains("no such file no/such/script.sh for the exec function");
    }

    @Test
    void theRequestsRowSumsTheTrialsAndLeavesPromotionsOutWhereThereIsNoStandby() {
        Failover.Key pair = new Failover.Key(Runtime.EXEC, Strategy.ACTIVE_STANDBY, Fault.NONE);
        Recovery r = new Recovery(100, 100, 0, 0, 1, 0, 2, 20, 5);
        List<Failover.Trial> runs = List.of(
                new Failover.Trial(new Tally(100, 97, 1, 2, 900, 2.0, 40.0), r, new FalseFailovers(1, 0)),
                new Failover.Trial(new Tally(100, 100, 0, 0, 30, 3.0, 20.0), r, new FalseFailovers(0, 0)));
        assertThat(FailoverReport.requestsRow(pair, runs))
                .isEqualTo("| exec / active-standby / none | 2 | 200 | 197 | 1 | 2 | 900 | 2.5 | 30.0 (40.0) | 1 | 1 |");

        Failover.Key retry = new Failover.Key(Runtime.JAVA, Strategy.RETRY, Fault.INSTANCE);
        List<Failover.Trial> one = List.of(new Failover.Trial(new Tally(10, 10, 0, 0, 3, 1.0, 2.0), r, null));
        assertThat(FailoverReport.requestsRow(retry, one)).endsWith("| - | - |");
    }
}
