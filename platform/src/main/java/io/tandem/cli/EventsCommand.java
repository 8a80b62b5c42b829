package io.tandem.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.client.TandemClient;
import io.tandem.model.Json;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "events", mixinStandardHelpOptions = true,
        description = {"Show what happened to nodes and instances, oldest first, so you can see why traffic moved:",
                "node-joined, node-dead, instance-ready, instance-exited, instance-replaced, specialized, load-failed,",
                "reaped, unreachable, stale-instance-stopped. Times are local, to the millisecond."})
final class EventsCommand implements Runnable {
    static final List<String> HEADERS = List.of("SEQ", "TIME", "TYPE", "FUNCTION", "NODE", "INSTANCE", "DETAIL");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    /** Column widths while following, when the widest cell is not known in advance. */
    private static final int[] FOLLOW_WIDTHS = {6, 12, 22, 16, 6, 28};

    @Option(names = {"-f", "--follow"}, description = "Keep printing new events until interrupted.")
    boolean follow;
    @Option(names = "--function", paramLabel = "NAME", description = "Only the events of this function.")
    String function;
    @Option(names = "--since", paramLabel = "SEQ", description = "Only the events after this seq (default: the newest --limit).")
    Long since;
    @Option(names = "--limit", paramLabel = "N", description = "At most this many events before following (server default 1000).")
    Integer limit;
    @Mixin
    Output output;

    @Override
    public void run() {
        String path = path();
        TandemClient client = Connection.client();
        if (!follow) {
            JsonNode events = client.get(path);
            if (output.printedAsData(events)) return;
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode e : events) rows.add(row(e));
            Output.table(HEADERS, rows);
            return;
        }
        if (output.isTable()) System.out.println(followLine(HEADERS));
        client.stream(path, new Lines(this::printFollowed));
    }

    private String path() {
        StringBuilder q = new StringBuilder("/v1/events?follow=").append(follow);
        if (function != null) q.append("&function=").append(TandemClient.encode(function));
        if (since != null) q.append("&since=").append(since);
        if (limit != null) q.append("&limit=").append(limit);
        return q.toString();
    }

    private void printFollowed(String line) {
        if (line.isBlank()) return; // keep-alive
        JsonNode e;
        try {
            e = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException ex) {
            throw new CommandFailedException("the server sent a line that is not an event: " + line);
        }
        switch (output.format) {
            case table -> System.out.println(followLine(row(e)));
            case json -> System.out.println(e); // one event per line, as the server sends them
            case yaml -> {
                System.out.println("---");
                output.print(e);
            }
        }
        System.out.flush();
    }

    static List<String> row(JsonNode e) {
        String at = Output.text(e, "at");
        return List.of(Output.text(e, "seq"), at.isEmpty() ? "" : TIME.format(Instant.parse(at)), Output.text(e, "type"),
                Output.text(e, "function"), Output.text(e, "node"), Output.text(e, "instance"), Output.text(e, "detail"));
    }

    private static String followLine(List<String> cells) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i) == null || cells.get(i).isEmpty() ? "-" : cells.get(i);
            sb.append(cell);
            if (i < FOLLOW_WIDTHS.length) sb.append(" ".repeat(Math.max(3, FOLLOW_WIDTHS[i] - cell.length() + 3)));
        }
        return sb.toString().stripTrailing();
    }

    /** Splits a streamed response into lines. */
    private static final class Lines extends OutputStream {
        private final Consumer<String> onLine;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        Lines(Consumer<String> onLine) {
            this.onLine = onLine;
        }

        @Override
        public void write(int b) {
            if (b == '\n') {
                onLine.accept(pending.toString(StandardCharsets.UTF_8));
                pending.reset();
            } else {
                pending.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) write(b[i]);
        }
    }
}
