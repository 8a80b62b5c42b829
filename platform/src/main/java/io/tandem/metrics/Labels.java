package io.tandem.metrics;

/**
 * Label values that stay bounded whatever clients send: an HTTP method folds into one of eight values and a status
 * code into one of the codes HTTP defines (100 to 599) or {@code other}. Paths never become label values; callers
 * pass route templates ({@code /users/{id}}, {@code /function/{name}}) instead.
 */
public final class Labels {
    /** The methods a label may name, by {@link #methodIndex}; anything else is {@code OTHER}. */
    public static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"};

    private static final String[] CODES = new String[600];

    static {
        for (int c = 100; c < 600; c++) CODES[c] = Integer.toString(c);
    }

    private Labels() {
    }

    /** Index into {@link #METHODS}; no allocation, so the router may call it on every request. */
    public static int methodIndex(String method) {
        return switch (method) {
            case "GET" -> 0;
            case "HEAD" -> 1;
            case "POST" -> 2;
            case "PUT" -> 3;
            case "DELETE" -> 4;
            case "PATCH" -> 5;
            case "OPTIONS" -> 6;
            default -> 7;
        };
    }

    public static String method(String method) {
        return METHODS[methodIndex(method)];
    }

    /** The status code as a label value, or {@code other} outside 100..599; interned, no allocation. */
    public static String code(int status) {
        return status >= 100 && status < 600 ? CODES[status] : "other";
    }
}
