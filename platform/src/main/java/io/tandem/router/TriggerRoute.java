package io.tandem.router;

import io.tandem.model.HttpTriggerSpec;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One HTTP trigger, compiled for matching. Paths are matched as the client sent them (not percent-decoded),
 * segment by segment and exactly (a trailing slash matters). A prefix route {@code /api/*} matches {@code /api}
 * and everything under {@code /api/}; {@code /*} matches every path. {@code template} is the path as the trigger
 * wrote it. Immutable.
 */
record TriggerRoute(String name, String function, String method, Kind kind, String path, String[] segments,
                    int literalSegments, String template) {

    enum Kind { EXACT, PARAM, PREFIX }

    /** Most specific first: exact, then parameters (more literal segments first), then prefixes (longest first); within those, a named method before {@code *}. */
    static final Comparator<TriggerRoute> MOST_SPECIFIC_FIRST = Comparator
            .comparing(TriggerRoute::kind)
            .thenComparing(Comparator.comparingInt(TriggerRoute::literalSegments).reversed())
            .thenComparing(Comparator.comparingInt((TriggerRoute r) -> r.path().length()).reversed())
            .thenComparing(r -> r.method().equals("*"))
            .thenComparing(TriggerRoute::name);

    static TriggerRoute compile(String name, HttpTriggerSpec spec) {
        String path = spec.path();
        if (path.endsWith("/*")) {
            String prefix = path.substring(0, path.length() - 2);
            return new TriggerRoute(name, spec.function(), spec.method(), Kind.PREFIX, prefix, new String[0], 0, path);
        }
        String[] segments = path.split("/", -1);
        int literal = 0;
        for (String s : segments) if (!isParam(s)) literal++;
        Kind kind = literal == segments.length ? Kind.EXACT : Kind.PARAM;
        return new TriggerRoute(name, spec.function(), spec.method(), kind, path, segments, literal, path);
    }

    boolean acceptsMethod(String requestMethod) {
        return method.equals("*") || method.equals(requestMethod);
    }

    /** The path parameters if {@code requestPath} matches, else null. */
    Map<String, String> match(String requestPath) {
        return switch (kind) {
            case EXACT -> path.equals(requestPath) ? Map.of() : null;
            case PREFIX -> requestPath.equals(path) || requestPath.startsWith(path + "/") || path.isEmpty() ? Map.of() : null;
            case PARAM -> matchParams(requestPath);
        };
    }

    private Map<String, String> matchParams(String requestPath) {
        String[] parts = requestPath.split("/", -1);
        if (parts.length != segments.length) return null;
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i++) {
            if (isParam(segments[i])) {
                if (parts[i].isEmpty()) return null;
                params.put(segments[i].substring(1, segments[i].length() - 1), parts[i]);
            } else if (!segments[i].equals(parts[i])) {
                return null;
            }
        }
        return params;
    }

    private static boolean isParam(String segment) {
        return segment.length() > 2 && segment.startsWith("{") && segment.endsWith("}");
    }
}
