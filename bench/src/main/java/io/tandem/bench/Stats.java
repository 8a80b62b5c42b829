package io.tandem.bench;

import java.util.Arrays;
import java.util.List;

/** Median and spread of a benchmark's repeated measurements. */
record Stats(double median, double min, double max, int n) {
    static Stats of(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return new Stats(median, v[0], v[v.length - 1], v.length);
    }

    static double percentile(List<Double> values, double p) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        int i = (int) Math.ceil(p / 100.0 * v.length) - 1;
        return v[Math.max(0, Math.min(v.length - 1, i))];
    }

    String format(String unit, int decimals) {
        String f = "%." + decimals + "f";
        return String.format(f + " %s (min " + f + ", max " + f + ", n=%d)", median, unit, min, max, n);
    }

    @Override
    public String toString() {
        return Arrays.toString(new double[]{median, min, max});
    }
}
