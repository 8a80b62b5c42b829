package io.tandem.runtime.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.util.ArrayList;
import java.util.List;

/**
 * A request's header fields as read: in order, names in the case the client sent them, values without the blanks
 * around them. Looked up by scanning, ignoring case, which for the few fields of a request costs less than the
 * JDK's {@link Headers}, whose every lookup and every field makes a new normalized name.
 *
 * <p>Immutable: made on the connection's thread before the handler runs, so any thread reads it.
 */
public final class HeaderFields {
    private final String[] pairs; // name, value, name, value...

    HeaderFields(String[] pairs) {
        this.pairs = pairs;
    }

    /** The fields of {@code exchange}'s request: as read when this server read it, else copied from its headers. */
    public static HeaderFields of(HttpExchange exchange) {
        if (exchange instanceof Exchange ours) return ours.requestFields();
        var pairs = new ArrayList<String>();
        exchange.getRequestHeaders().forEach((name, values) -> values.forEach(value -> {
            pairs.add(name);
            pairs.add(value);
        }));
        return new HeaderFields(pairs.toArray(String[]::new));
    }

    /** The first value of {@code name}, whatever its case; null when absent. */
    public String first(String name) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equalsIgnoreCase(name)) return pairs[i + 1];
        }
        return null;
    }

    /** Every value of {@code name}, whatever its case, in order; empty when absent. */
    public List<String> all(String name) {
        List<String> values = List.of();
        for (int i = 0; i < pairs.length; i += 2) {
            if (!pairs[i].equalsIgnoreCase(name)) continue;
            if (values.isEmpty()) values = new ArrayList<>(2);
            values.add(pairs[i + 1]);
        }
        return values;
    }

    /** The number of fields. */
    public int size() {
        return pairs.length / 2;
    }

    /** Names and values in turn, in order: a copy. */
    public String[] pairs() {
        return pairs.clone();
    }

    /** The same fields as the JDK's headers, which normalize each name: a new object, for handlers that ask for one. */
    Headers toJdkHeaders() {
        var headers = new Headers();
        for (int i = 0; i < pairs.length; i += 2) headers.add(pairs[i], pairs[i + 1]);
        return headers;
    }

    @Override
    public String toString() {
        var text = new StringBuilder("{");
        for (int i = 0; i < pairs.length; i += 2) text.append(i == 0 ? "" : ", ").append(pairs[i]).append(": ").append(pairs[i + 1]);
        return text.append('}').toString();
    }
}
