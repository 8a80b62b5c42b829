package io.tandem.model;

import java.util.Locale;
import java.util.Set;

/**
 * Routes {@code method} and {@code path} to {@code function}. A path may hold {@code {param}} segments, or end in
 * {@code /*} to match every path under a prefix. A null or {@code *} method matches every method.
 */
public record HttpTriggerSpec(String function, String method, String path) {
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "*");

    public HttpTriggerSpec {
        method = method == null || method.isBlank() ? "*" : method.toUpperCase(Locale.ROOT);
    }

    public void validate() {
        Names.require("spec.function", function);
        if (!METHODS.contains(method)) throw new InvalidResourceException("spec.method", "unknown method '" + method + "': use GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or *");
        if (path == null || !path.startsWith("/")) throw new InvalidResourceException("spec.path", "must start with '/', was " + (path == null ? "(missing)" : "'" + path + "'"));
        if (path.startsWith("/function/") || path.equals("/function") || path.equals("/healthz") || path.equals("/readyz")
                || path.equals("/metrics") || path.startsWith("/_/"))
            throw new InvalidResourceException("spec.path", "'" + path + "' is reserved by the router: pick another path");
        if (path.contains("*") && !path.endsWith("/*")) throw new InvalidResourceException("spec.path", "'*' is allowed only as a final '/*' prefix match");
        for (String seg : path.split("/")) {
            if (seg.contains("{") || seg.contains("}")) {
                if (!seg.matches("\\{[A-Za-z_][A-Za-z0-9_]*}")) throw new InvalidResourceException("spec.path", "bad parameter segment '" + seg + "': write it as {name}");
            }
        }
    }
}
