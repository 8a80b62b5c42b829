package io.tandem.bench.paper;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The paper's two applications, deployed from the same spec files users apply ({@code examples/specs}) and called
 * through their HTTP triggers, as users call them.
 *
 * <ul>
 *   <li>{@link #FIBONACCI}: CPU-bound, {@code GET /fib?n=N}.</li>
 *   <li>{@link #GUESTBOOK}: two functions on a Redis list, ADD ({@code POST /guestbook}) and GET
 *       ({@code GET /guestbook?last=10}), called alternately. Each ADD's message carries its request id, so that
 *       after a run the list tells which acknowledged messages were lost and which were stored twice.</li>
 * </ul>
 */
enum App {
    FIBONACCI("fibonacci.yaml", List.of("fibonacci"), "fibonacci"),
    GUESTBOOK("guestbook.yaml", List.of("guestbook-add", "guestbook-get"), "guestbook-add");

    private final String specFile;
    private final List<String> functions;
    private final String faultTarget;

    App(String specFile, List<String> functions, String faultTarget) {
        this.specFile = specFile;
        this.functions = functions;
        this.faultTarget = faultTarget;
    }

    /** One request of a run: {@code op} names it in the raw data (fib, add, get). */
    record Request(String op, String method, String uri, String body) {
    }

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    Path specFile(Path examples) {
        return examples.resolve("specs").resolve(specFile);
    }

    List<String> functions() {
        return functions;
    }

    /** The function whose instance, or node, a fault strikes: the one every request goes to, or the one that writes. */
    String faultTarget() {
        return faultTarget;
    }

    /** The operation that calls {@link #faultTarget()}: recovery is read from these calls alone. */
    String faultOp() {
        return this == GUESTBOOK ? "add" : "fib";
    }

    boolean needsRedis() {
        return this == GUESTBOOK;
    }

    /** The {@code index}th request of a run; {@code tag} names the run in every stored message. */
    Request request(long index, String tag, String id, int fibN) {
        return switch (this) {
            case FIBONACCI -> new Request("fib", "GET", "/fib?n=" + fibN, null);
            case GUESTBOOK -> index % 2 == 0
                    ? new Request("add", "POST", "/guestbook", tag + " " + id)
                    : new Request("get", "GET", "/guestbook?last=10", null);
        };
    }

    static App fromWire(String text) {
        for (App a : values()) {
            if (a.wireName().equals(text.trim().toLowerCase(Locale.ROOT))) return a;
        }
        throw new IllegalArgumentException("unknown app '" + text + "': use " + names());
    }

    static String names() {
        return Arrays.stream(values()).map(App::wireName).collect(Collectors.joining(", "));
    }
}
