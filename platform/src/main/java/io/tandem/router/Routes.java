package io.tandem.router;

import io.tandem.model.Change;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.HttpTrigger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The functions and HTTP triggers the router serves, kept from the controller's change feed.
 *
 * <p>Thread-safe. The feed's thread applies each change by building a new immutable {@link Snapshot} and
 * publishing it through a volatile field (copy-on-write: changes are rare, lookups are on every request); event
 * loops read the current snapshot without locks. A removed function or trigger stops routing with the next
 * request that reads the new snapshot.
 */
final class Routes implements Consumer<Change> {
    private static final String FUNCTION_PREFIX = "/function/";

    /** A served function, made anew at each change of the function. */
    record FunctionRoute(String name, FunctionSpec spec) {
    }

    /** The outcome of resolving a request: a target, or why there is none. */
    sealed interface Resolution permits Found, Missing {
    }

    record Found(Target target) implements Resolution {
    }

    record Missing(String error, String detail) implements Resolution {
    }

    private record Snapshot(Map<String, FunctionRoute> functions, Map<String, TriggerRoute> triggers,
                            Map<String, List<TriggerRoute>> exact, List<TriggerRoute> patterns) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), Map.of(), List.of());
    }

    private volatile Snapshot current = Snapshot.EMPTY;
    private final Set<Runnable> watchers = ConcurrentHashMap.newKeySet();

    @Override
    public void accept(Change change) {
        Snapshot s = current;
        Map<String, FunctionRoute> functions = s.functions();
        Map<String, TriggerRoute> triggers = s.triggers();
        boolean deleted = change.type() == Change.Type.DELETED;
        switch (change.resource()) {
            case Function f -> {
                functions = new HashMap<>(functions);
                if (deleted) functions.remove(f.name());
                else functions.put(f.name(), new FunctionRoute(f.name(), f.spec()));
            }
            case HttpTrigger t -> {
                triggers = new HashMap<>(triggers);
                if (deleted) triggers.remove(t.name());
                else triggers.put(t.name(), TriggerRoute.compile(t.name(), t.spec()));
            }
            default -> {
                return;
            }
        }
        current = build(Map.copyOf(functions), Map.copyOf(triggers));
        watchers.forEach(Runnable::run);
    }

    /** The function named {@code name}, or null when there is none now. */
    FunctionRoute function(String name) {
        return current.functions().get(name);
    }

    /**
     * Runs {@code watcher} after each change of the routes, on the feed's thread (it must not block), until the
     * returned handle runs.
     */
    Runnable watch(Runnable watcher) {
        watchers.add(watcher);
        return () -> watchers.remove(watcher);
    }

    private static Snapshot build(Map<String, FunctionRoute> functions, Map<String, TriggerRoute> triggers) {
        Map<String, List<TriggerRoute>> exact = new HashMap<>();
        List<TriggerRoute> patterns = new ArrayList<>();
        for (TriggerRoute r : triggers.values()) {
            if (r.kind() == TriggerRoute.Kind.EXACT) exact.computeIfAbsent(r.path(), p -> new ArrayList<>()).add(r);
            else patterns.add(r);
        }
        exact.replaceAll((path, routes) -> routes.stream().sorted(TriggerRoute.MOST_SPECIFIC_FIRST).toList());
        patterns.sort(TriggerRoute.MOST_SPECIFIC_FIRST);
        return new Snapshot(functions, triggers, Map.copyOf(exact), List.copyOf(patterns));
    }

    /**
     * Resolves a request by its raw (not decoded) path. {@code /function/<name>[/<rest>]} reaches every function,
     * and the instance sees {@code /<rest>}; a trigger passes the path as the client sent it.
     */
    Resolution resolve(String method, String path, String query) {
        Snapshot s = current;
        if (path.startsWith(FUNCTION_PREFIX)) return resolveFunctionPath(s, path, query);
        if (reserved(path)) return RESERVED;
        String uri = query == null ? path : path + "?" + query;
        for (TriggerRoute r : s.exact().getOrDefault(path, List.of())) {
            if (r.acceptsMethod(method)) return toFunction(s, r, uri, Map.of());
        }
        for (TriggerRoute r : s.patterns()) {
            if (!r.acceptsMethod(method)) continue;
            Map<String, String> params = r.match(path);
            if (params != null) return toFunction(s, r, uri, params);
        }
        return new Missing("no route", "no trigger matches " + method + " " + path);
    }

    private static Resolution resolveFunctionPath(Snapshot s, String path, String query) {
        int slash = path.indexOf('/', FUNCTION_PREFIX.length());
        String name = slash < 0 ? path.substring(FUNCTION_PREFIX.length()) : path.substring(FUNCTION_PREFIX.length(), slash);
        FunctionRoute f = s.functions().get(name);
        if (f == null) return new Missing("function not found", "no function named '" + name + "'");
        String rest = slash < 0 ? "/" : path.substring(slash);
        if (reserved(rest)) return RESERVED;
        return new Found(new Target(f, query == null ? rest : rest + "?" + query, Map.of(), RequestMetrics.FUNCTION_ROUTE));
    }

    private static final Missing RESERVED = new Missing("no route", "paths under /_/ belong to Tandem's instance protocol"
            + " (health, leases, specialization) and never reach a function");

    /**
     * Whether the path an instance would see is one of its protocol's ({@code /_/...}) once decoded as the instance
     * decodes it ({@code /%5F/health} is {@code /_/health} to it) and with dot segments and repeated slashes
     * removed: such a request could drive the instance (grant leases, force failovers), so it is never forwarded.
     */
    static boolean reserved(String rawPath) {
        // Most paths have nothing to decode or normalize: no escape, no repeated slash, no dot segment. They are
        // judged as they are, without the regular expression and the URI that every request would otherwise pay for.
        if (rawPath.indexOf('%') < 0 && !rawPath.contains("//") && !rawPath.contains("/.")) return isProtocolPath(rawPath);
        String path = percentDecoded(rawPath).replaceAll("/{2,}", "/");
        try {
            path = new URI(null, null, path, null).normalize().getPath();
        } catch (URISyntaxException e) {
            // Not a path URI parses: judged as decoded.
        }
        return isProtocolPath(path);
    }

    private static boolean isProtocolPath(String path) {
        return path.equals("/_") || path.startsWith("/_/");
    }

    /** {@code %XX} escapes decoded as UTF-8; a malformed escape is kept as it is. */
    private static String percentDecoded(String raw) {
        if (raw.indexOf('%') < 0) return raw;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length() && Character.digit(raw.charAt(i + 1), 16) >= 0 && Character.digit(raw.charAt(i + 2), 16) >= 0) {
                bytes.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static Resolution toFunction(Snapshot s, TriggerRoute r, String uri, Map<String, String> params) {
        FunctionRoute f = s.functions().get(r.function());
        if (f == null) return new Missing("function not found", "trigger '" + r.name() + "' names function '" + r.function() + "', which does not exist");
        return new Found(new Target(f, uri, params, r.template()));
    }
}
