package io.tandem.runtime.http;

/** Header names in their usual form. */
public final class HeaderNames {
    private HeaderNames() {
    }

    /**
     * {@code content-type} as {@code Content-Type}: each dash-separated word capitalized, as Go's
     * {@code CanonicalHeaderKey} (the classic watchdog's {@code Http_*} names follow it). Names are case-insensitive,
     * but clients that match them exactly (a shell script's {@code grep}) expect this form.
     */
    public static String canonical(String name) {
        char[] chars = name.toCharArray();
        boolean upper = true;
        for (int i = 0; i < chars.length; i++) {
            chars[i] = upper ? Character.toUpperCase(chars[i]) : Character.toLowerCase(chars[i]);
            upper = chars[i] == '-';
        }
        return new String(chars);
    }
}
