package io.tandem.model;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as users write them: bytes, or with a {@code KB}, {@code MB} or {@code GB} suffix (powers of 1024). */
public final class Sizes {
    private static final Pattern FORM = Pattern.compile("^(\\d+)\\s*(KB|MB|GB)?$", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    /** The bytes {@code text} says, or -1 when it is not a size (or too large for a long). */
    public static long bytes(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) return -1;
        int shift = m.group(2) == null ? 0 : switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "KB" -> 10;
            case "MB" -> 20;
            default -> 30;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
        } catch (ArithmeticException | NumberFormatException tooLarge) {
            return -1;
        }
    }
}
