package io.tandem.model;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * Calls {@code function} on the schedule {@code cron} (see {@link Schedule}) with an HTTP request through the
 * router, so the function's fault-tolerance strategy applies. {@code method} defaults to GET, or POST when a
 * {@code body} is given; {@code path} (what the function sees, default {@code /}) may carry a query.
 */
public record TimeTriggerSpec(String function, String cron, String method, String path, String body) {
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
    /** Kept small: a timer's body is a fixed message, not a payload. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    public TimeTriggerSpec {
        method = method == null || method.isBlank() ? (body == null ? "GET" : "POST") : method.toUpperCase(Locale.ROOT);
        path = path == null || path.isBlank() ? "/" : path;
    }

    public void validate() {
        Names.require("spec.function", function);
        schedule();
        if (!METHODS.contains(method)) throw new InvalidResourceException("spec.method", "unknown method '" + method + "': use GET, POST, PUT, DELETE, PATCH, HEAD or OPTIONS");
        if (!path.startsWith("/")) throw new InvalidResourceException("spec.path", "must start with '/', was '" + path + "'");
        if (!isUriPath(path)) throw new InvalidResourceException("spec.path", "'" + path + "' is not a valid URL path and query: percent-encode spaces and other special characters");
        if (body != null && body.length() > MAX_BODY_BYTES) throw new InvalidResourceException("spec.body", "too long (" + body.length() + " characters): at most " + MAX_BODY_BYTES);
    }

    /** Whether {@code p} is the path (and query) of a URL; the message queue trigger checks its path so too. */
    static boolean isUriPath(String p) {
        try {
            URI u = new URI("http://host" + p);
            return u.getRawPath() != null && u.getRawFragment() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** The parsed {@code cron}; throws {@link InvalidResourceException} on {@code spec.cron} when it is invalid or never fires. */
    public Schedule schedule() {
        return Schedule.parse("spec.cron", cron);
    }
}
