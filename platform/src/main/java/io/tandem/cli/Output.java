package io.tandem.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.model.Json;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Option;

/** The {@code -o} option shared by commands that print resources: a table for people, JSON or YAML for scripts. */
final class Output {
    enum Format { table, json, yaml }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "Output format: table, json or yaml (default: ${DEFAULT-VALUE}).")
    Format format = Format.table;

    boolean isTable() {
        return format == Format.table;
    }

    /**
     * Prints {@code value} as JSON or YAML and answers true; answers false, printing nothing, when the format is
     * a table, which the caller prints.
     */
    boolean printedAsData(Object value) {
        if (isTable()) return false;
        print(value);
        return true;
    }

    /** Prints one resource as JSON or YAML, or as a table of one row under {@code headers}. */
    void one(JsonNode item, List<String> headers, Function<JsonNode, List<String>> row) {
        if (!printedAsData(item)) table(headers, List.of(row.apply(item)));
    }

    /** Prints resources as JSON or YAML, or as a table of a row each under {@code headers}. */
    void list(List<JsonNode> items, List<String> headers, Function<JsonNode, List<String>> row) {
        if (!printedAsData(items)) table(headers, items.stream().map(row).toList());
    }

    /** Prints {@code value} as JSON or YAML; callers print tables themselves. */
    void print(Object value) {
        PrintStream out = System.out;
        try {
            if (format == Format.yaml) out.print(Json.YAML.writeValueAsString(value));
            else out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Prints rows under headers, columns padded to their widest cell. */
    static void table(List<String> headers, List<List<String>> rows) {
        int[] width = new int[headers.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(headers);
        all.addAll(rows);
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) width[i] = Math.max(width[i], row.get(i) == null ? 1 : row.get(i).length());
        }
        for (List<String> row : all) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i) == null || row.get(i).isEmpty() ? "-" : row.get(i);
                sb.append(cell);
                if (i < row.size() - 1) sb.append(" ".repeat(width[i] - cell.length() + 3));
            }
            System.out.println(sb.toString().stripTrailing());
        }
    }

    /** Fields of a JSON tree by dotted path, as text ("" where absent): a table row. */
    static List<String> texts(JsonNode node, String... dotted) {
        List<String> row = new ArrayList<>(dotted.length);
        for (String d : dotted) row.add(text(node, d));
        return row;
    }

    /** A field of a JSON tree by dotted path, as text ("" when absent). */
    static String text(JsonNode node, String dotted) {
        JsonNode n = node;
        for (String part : dotted.split("\\.")) {
            if (n == null) return "";
            n = n.get(part);
        }
        if (n == null || n.isNull()) return "";
        return n.isValueNode() ? n.asText() : n.toString();
    }
}
