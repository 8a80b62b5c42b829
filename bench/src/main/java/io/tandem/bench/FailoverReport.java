package io.tandem.bench;

import io.tandem.model.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The failover benchmark's summary: per runtime, strategy and fault, what the clients saw and the promotions, then
 * the recovery figures, then each strategy's blackout against retry's. Tables are Markdown, so a run's output goes
 * into docs as it is.
 */
final class FailoverReport {
    private final Map<Failover.Key, List<Failover.Trial>> results;
    private final Failover.Plan plan;

    FailoverReport(Map<Failover.Key, List<Failover.Trial>> results, Failover.Plan plan) {
        this.results = results;
        this.plan = plan;
    }

    void print() {
        System.out.println();
        System.out.println("Requests (sums over trials; shed: 429, or 503 with Retry-After; failed: any other non-2xx or no answer),");
        System.out.println("waits (worst: the longest of any request; p50, p99: median of the trials'), promotions and false failovers");
        System.out.println("(promotions the fault does not explain; - : the strategy has no standby to promote)");
        System.out.println();
        System.out.println("| runtime / strategy / fault | trials | sent | ok | failed | shed | worst wait ms | p50 ms | p99 ms | promotions | false failovers |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        results.forEach((key, runs) -> System.out.println(requestsRow(key, runs)));
        System.out.println();
        System.out.println("Recovery (blackout: longest time after the fault with no successful answer; worst after: highest latency of a");
        System.out.println("request sent in the second after it; normal after: until latency is back under 3x the median before it),");
        System.out.println("median (min..max) of the trials; with fault none, read from the moment a fault would have been injected");
        System.out.println();
        System.out.println("| runtime / strategy / fault | re-sent med (max) | blackout ms | worst after ms | normal after ms |");
        System.out.println("|---|---|---|---|---|");
        results.forEach((key, runs) -> System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", key.label(),
                medianMax(recoveries(runs, r -> (double) r.resent())),
                range(recoveries(runs, Recovery::blackoutMillis)),
                range(recoveries(runs, Recovery::worstMillis)),
                range(recoveries(runs, Recovery::normalMillis))));
        printAgainstRetry();
        System.out.println("targets (docs/architecture.md): instance crash < 100 ms and 0 failed; node crash or freeze < 500 ms and 0 failed (idempotent); retry node crash < 3 s");
    }

    static String requestsRow(Failover.Key key, List<Failover.Trial> runs) {
        if (runs.isEmpty()) return "| " + key.label() + " | 0 | | | | | | | | | |";
        List<Tally> t = runs.stream().map(Failover.Trial::tally).toList();
        String promotions = "-";
        String falseOnes = "-";
        List<FalseFailovers> f = runs.stream().map(Failover.Trial::failovers).filter(Objects::nonNull).toList();
        if (!f.isEmpty()) {
            promotions = Integer.toString(f.stream().mapToInt(FalseFailovers::promotions).sum());
            falseOnes = Integer.toString(f.stream().mapToInt(FalseFailovers::count).sum());
        }
        return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %.0f | %.1f | %s | %s | %s |", key.label(), runs.size(),
                t.stream().mapToInt(Tally::sent).sum(), t.stream().mapToInt(Tally::ok).sum(),
                t.stream().mapToInt(Tally::failed).sum(), t.stream().mapToInt(Tally::shed).sum(),
                t.stream().mapToDouble(Tally::worstMillis).max().orElse(Double.NaN),
                Stats.of(t.stream().map(Tally::p50Millis).toList()).median(),
                medianMax(t.stream().map(Tally::p99Millis).toList(), 1), promotions, falseOnes);
    }

    /** The baseline measured in the same run: each strategy's median blackout against retry's, runtime by runtime, fault by fault. */
    private void printAgainstRetry() {
        boolean header = false;
        for (var runtime : plan.runtimes()) {
            for (Fault fault : plan.faults()) {
                List<Failover.Trial> retry = results.get(new Failover.Key(runtime, Strategy.RETRY, fault));
                if (retry == null || retry.isEmpty()) continue;
                double base = medianBlackout(retry);
                for (Strategy s : plan.strategies()) {
                    Failover.Key key = new Failover.Key(runtime, s, fault);
                    List<Failover.Trial> runs = results.get(key);
                    if (s == Strategy.RETRY || runs == null || runs.isEmpty()) continue;
                    if (!header) {
                        System.out.println();
                        header = true;
                    }
                    double mine = medianBlackout(runs);
                    System.out.printf(Locale.ROOT, "%-34s blackout %.0f ms against retry's %.0f ms: x%.2f%n", key.label(), mine, base, mine / base);
                }
            }
        }
    }

    private static List<Double> recoveries(List<Failover.Trial> runs, Function<Recovery, Double> figure) {
        List<Double> out = new ArrayList<>();
        for (Failover.Trial t : runs) out.add(figure.apply(t.recovery()));
        return out;
    }

    private static double medianBlackout(List<Failover.Trial> runs) {
        List<Double> known = recoveries(runs, Recovery::blackoutMillis).stream().filter(v -> !v.isNaN()).toList();
        return known.isEmpty() ? Double.NaN : Stats.of(known).median();
    }

    private static String medianMax(List<Double> values) {
        return medianMax(values, 0);
    }

    private static String medianMax(List<Double> values, int decimals) {
        if (values.isEmpty()) return "none";
        Stats s = Stats.of(values);
        String f = "%." + decimals + "f";
        return String.format(Locale.ROOT, f + " (" + f + ")", s.median(), s.max());
    }

    private static String range(List<Double> values) {
        List<Double> known = values.stream().filter(v -> !v.isNaN()).toList();
        if (known.isEmpty()) return "none";
        Stats s = Stats.of(known);
        return String.format(Locale.ROOT, "%.0f (%.0f..%.0f)%s", s.median(), s.min(), s.max(),
                known.size() < values.size() ? " " + (values.size() - known.size()) + " never" : "");
    }
}
