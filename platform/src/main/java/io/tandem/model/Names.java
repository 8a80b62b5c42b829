package io.tandem.model;

import java.util.regex.Pattern;

/** The one rule for resource names, shared by the API, the CLI and spec files. */
public final class Names {
    private static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9-]{0,62}$");

    private Names() {
    }

    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** Throws {@link InvalidResourceException} naming the field, the bad value and the rule. */
    public static String require(String field, String name) {
        if (!isValid(name)) {
            throw new InvalidResourceException(field, "invalid name " + quote(name)
                    + ": use 1 to 63 characters, lower-case letters, digits and '-', starting with a letter");
        }
        return name;
    }

    private static String quote(String s) {
        return s == null ? "(missing)" : "'" + s + "'";
    }
}
