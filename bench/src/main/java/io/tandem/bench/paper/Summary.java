package io.tandem.bench.paper;

import java.util.Locale;

/** Mean, standard deviation and range of one measure over repetitions; NaN values (never recovered) are counted apart. */
record Summary(double mean, double sd, double min, double max, int n, int never) {
    static Summary of(double[] values) {
        double[] known = java.util.Arrays.stream(values).filter(v -> !Double.isNaN(v)).toArray();
        int never = values.length - known.length;
        if (known.length == 0) return new Summary(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, never);
        double mean = java.util.Arrays.stream(known).average().orElse(Double.NaN);
        double var = known.length < 2 ? 0 : java.util.Arrays.stream(known).map(v -> (v - mean) * (v - mean)).sum() / (known.length - 1);
        return new Summary(mean, Math.sqrt(var), java.util.Arrays.stream(known).min().orElse(mean),
                java.util.Arrays.stream(known).max().orElse(mean), known.length, never);
    }

    /** A duration in ms: "63 ms ± 12 (47..111, n=5)". */
    String format() {
        if (n == 0) return never > 0 ? "never (" + never + " runs)" : "";
        String s = Report.millis(mean);
        if (n > 1) s += " ± " + Report.millis(sd) + " (" + Report.millis(min) + ".." + Report.millis(max) + ", n=" + n + ")";
        return never > 0 ? s + ", " + never + " never" : s;
    }

    String format(int decimals, String unit) {
        if (n == 0) return "";
        String f = "%." + decimals + "f";
        String s = String.format(Locale.ROOT, f + unit, mean);
        if (n > 1) s += String.format(Locale.ROOT, " ± " + f + " (" + f + ".." + f + ")", sd, min, max);
        return s;
    }
}
