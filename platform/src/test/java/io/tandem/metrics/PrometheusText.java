package io.tandem.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads samples out of a Prometheus text exposition, as a test would look at a scrape. */
public final class PrometheusText {
    /** One sample line: {@code name{labels} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private PrometheusText() {
    }

    public static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                parseLabels(line.substring(brace + 1, line.lastIndexOf('}')), labels);
            } else {
                name = line.substring(0, space);
            }
            samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1).trim())));
        }
        return samples;
    }

    /** The sum of the samples named {@code name} whose labels include every one of {@code labels}. */
    public static double sum(String text, String name, Map<String, String> labels) {
        return parse(text).stream().filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .mapToDouble(Sample::value).sum();
    }

    /** The samples named {@code name}. */
    public static List<Sample> named(String text, String name) {
        return parse(text).stream().filter(s -> s.name().equals(name)).toList();
    }

    private static void parseLabels(String body, Map<String, String> into) {
        int i = 0;
        while (i < body.length()) {
            int eq = body.indexOf('=', i);
            String key = body.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 2; // past ="
            while (body.charAt(j) != '"') {
                if (body.charAt(j) == '\\') j++;
                value.append(body.charAt(j++));
            }
            into.put(key, value.toString());
            i = j + 1;
            if (i < body.length() && body.charAt(i) == ',') i++;
        }
    }
}
