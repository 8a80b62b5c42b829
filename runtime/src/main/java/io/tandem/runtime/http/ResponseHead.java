package io.tandem.runtime.http;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A response's status line and header fields, written as bytes into a buffer kept for the connection's next
 * response, then out in one write: no string or builder per response. Characters above {@code 0xff} are written as
 * {@code ?}, as ISO-8859-1 encoding would.
 *
 * <p>Owned by the connection; used by whichever thread sends an exchange's head. Exchanges on a connection follow
 * one another, so one head at a time.
 */
final class ResponseHead {
    private byte[] bytes = new byte[512];
    private int length;

    /** Starts a head with its status line. */
    ResponseHead status(int code, String reason) {
        length = 0;
        ascii("HTTP/1.1 ");
        number(code);
        put((byte) ' ');
        ascii(reason);
        return crlf();
    }

    /** A field whose name is written in its usual form ({@link HeaderNames#canonical}). */
    ResponseHead canonicalField(String name, String value) {
        room(name.length());
        boolean upper = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            c = upper ? Character.toUpperCase(c) : Character.toLowerCase(c);
            bytes[length++] = c > 0xff ? (byte) '?' : (byte) c;
            upper = c == '-';
        }
        ascii(": ");
        ascii(value);
        return crlf();
    }

    /** A field with a numeric value, its name written as given. */
    ResponseHead field(String name, long value) {
        ascii(name);
        ascii(": ");
        number(value);
        return crlf();
    }

    /** A field, its name written as given. */
    ResponseHead field(String name, String value) {
        ascii(name);
        ascii(": ");
        ascii(value);
        return crlf();
    }

    /** Ends the head with its empty line and writes it to {@code out}. */
    void writeTo(OutputStream out) throws IOException {
        crlf();
        out.write(bytes, 0, length);
    }

    private ResponseHead crlf() {
        room(2);
        bytes[length++] = '\r';
        bytes[length++] = '\n';
        return this;
    }

    private void ascii(String text) {
        room(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes[length++] = c > 0xff ? (byte) '?' : (byte) c;
        }
    }

    private void number(long value) {
        if (value < 0) {
            put((byte) '-');
            value = -value;
        }
        int digits = 1;
        for (long rest = value / 10; rest > 0; rest /= 10) digits++;
        room(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        length += digits;
    }

    private void put(byte b) {
        room(1);
        bytes[length++] = b;
    }

    private void room(int more) {
        if (length + more > bytes.length) bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
}
