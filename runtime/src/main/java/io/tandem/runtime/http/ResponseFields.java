package io.tandem.runtime.http;

import com.sun.net.httpserver.HttpExchange;

/**
 * Adds response header fields as a handler has them, names and values: on this server's exchanges without the JDK's
 * {@link com.sun.net.httpserver.Headers}, which normalizes and copies each name and keeps each value in a list of
 * its own. {@code getResponseHeaders()} still shows them, and the head is the same either way.
 */
public final class ResponseFields {
    private ResponseFields() {
    }

    /**
     * Adds {@code value} to the response header {@code name}, as {@code exchange.getResponseHeaders().add} does, and
     * refuses what it refuses.
     *
     * @throws IllegalArgumentException if the name or the value holds a line break (or the name a CR), or a character
     *     above {@code 0xff}: it would end the field early, or cannot be sent
     */
    public static void add(HttpExchange exchange, String name, String value) {
        if (!(exchange instanceof Exchange ours)) {
            exchange.getResponseHeaders().add(name, value);
            return;
        }
        check(name, false);
        check(value, true);
        ours.addResponseField(name, value);
    }

    /**
     * The rule of the JDK's headers: no character above {@code 0xff}, no LF alone, and a CR only in a value and only
     * as the start of a folded line (CR, LF, then a space or a tab).
     */
    private static void check(String text, boolean isValue) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0xff) throw new IllegalArgumentException("a character above 0xff in header field " + printable(text));
            if (c == '\n') throw new IllegalArgumentException("a line feed in header field " + printable(text));
            if (c != '\r') continue;
            boolean folds = isValue && i + 2 < text.length() && text.charAt(i + 1) == '\n' && (text.charAt(i + 2) == ' ' || text.charAt(i + 2) == '\t');
            if (!folds) throw new IllegalArgumentException("a carriage return in header field " + printable(text));
            i += 2;
        }
    }

    private static String printable(String text) {
        String cut = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
