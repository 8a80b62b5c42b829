package io.tandem.runtime.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

/**
 * What the previous request on a connection was made of, reused for the next one where it repeats: the string at
 * each position of its head (method, target, protocol, then each field's name and value), and its parsed target. A
 * router sends every request on a connection with the same fields in the same order, most with the same values, so
 * a request costs new strings only for what changed (its request id, say).
 *
 * <p>Owned by the connection's thread. Strings are immutable, so handing the same one to successive requests is
 * safe whichever threads they reach.
 */
final class LastRequest {
    static final int METHOD = 0;
    static final int TARGET = 1;
    static final int PROTOCOL = 2;
    private static final int FIRST_FIELD = 3;
    /** Positions remembered: the request line and the first 30 fields. */
    private static final int POSITIONS = FIRST_FIELD + 60;
    /** Longer strings are not remembered: comparing them costs about what copying them does. */
    private static final int LONGEST = 256;

    private final String[] strings = new String[POSITIONS];
    private String target;
    private URI uri;

    /** The position of field {@code index}'s name; its value is at the next one. */
    static int name(int index) {
        return FIRST_FIELD + 2 * index;
    }

    /** The string of {@code bytes[from, to)} (ISO-8859-1), the one at {@code position} last time if it is the same. */
    String string(int position, byte[] bytes, int from, int to) {
        int length = to - from;
        if (position >= POSITIONS || length > LONGEST) return new String(bytes, from, length, StandardCharsets.ISO_8859_1);
        String last = strings[position];
        if (last != null && same(last, bytes, from, length)) return last;
        String made = new String(bytes, from, length, StandardCharsets.ISO_8859_1);
        strings[position] = made;
        return made;
    }

    /** {@code target} parsed, or the last one's URI when it is the same string; fails with 400 when malformed. */
    URI uri(String target) throws BadRequest {
        if (target == this.target) return uri; // the very string: LastRequest gave it again
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            throw new BadRequest(400, "malformed request target: " + e.getMessage());
        }
        this.target = target;
        return uri;
    }

    private static boolean same(String text, byte[] bytes, int from, int length) {
        if (text.length() != length) return false;
        for (int i = 0; i < length; i++) {
            if (text.charAt(i) != (char) (bytes[from + i] & 0xff)) return false;
        }
        return true;
    }
}
