package io.tandem.runtime;

import com.fasterxml.jackson.core.JacksonException;
import com.sun.net.httpserver.HttpExchange;
import io.tandem.runtime.http.HeaderFields;
import io.tandem.runtime.http.Http1Server;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One instance's HTTP server on 127.0.0.1: {@code /_/health}, {@code /_/specialize}, and every other request an
 * invocation (docs/instance-protocol.md).
 *
 * <p>Design: the instance is a small state machine held in one {@link AtomicReference}: generic, loading, serving a
 * function, or failed. Invocations read the state without locking; only specialization changes it, with a
 * compare-and-set from generic, so two concurrent {@code /_/specialize} calls cannot both win. Requests run on
 * platform threads, so health answers under any load: a java instance's on pollers that serve short calls inline and
 * are relieved from long ones ({@link io.tandem.runtime.http.PollingServer}), an exec or lambda instance's, whose
 * calls wait on a process, on their connection's own thread ({@link io.tandem.runtime.http.BlockingServer});
 * {@value #SERVER_ENV} ({@code polling} or {@code blocking}) in the instance's environment chooses otherwise.
 *
 * <p>Fencing: see {@link Lease}. A refused invocation gets 503 with {@code X-Tandem-Fenced: true}, which tells the
 * router the request never reached the function.
 *
 * <p>An instance started with {@code TANDEM_FUNCTION} that fails to load still comes up, in the failed state: its
 * health check and every invocation answer 500 with the load error, so the agent and the user see why, rather
 * than a process that exits and is restarted in a loop.
 */
public final class InstanceServer implements AutoCloseable {
    private sealed interface State {}

    private record Generic() implements State {}

    private record Loading(String function) implements State {}

    private record Serving(String function, Invoker invoker) implements State {}

    private record Failed(String function, String detail) implements State {}

    private static final State GENERIC = new Generic();

    private final String runtime;
    private final Loader loader;
    private final AtomicReference<State> state = new AtomicReference<>(GENERIC);
    private final Lease lease;
    private final Secret secret;
    /** The instance's environment variable that chooses its HTTP server's kind: {@code polling} or {@code blocking}. */
    public static final String SERVER_ENV = "TANDEM_INSTANCE_SERVER";

    private Http1Server server;
    private ControlLine control;

    InstanceServer(String runtime, Loader loader, Secret secret) {
        this(runtime, loader, secret, Lease.systemLease());
    }

    InstanceServer(String runtime, Loader loader, Secret secret, Lease lease) {
        this.runtime = runtime;
        this.loader = loader;
        this.secret = secret;
        this.lease = lease;
    }

    /** Specializes from the environment if it names a function, then binds; returns once health can answer. */
    void start(int port, Specialization fromEnvironment) throws IOException {
        if (fromEnvironment != null) selfSpecialize(fromEnvironment);
        control = ControlLine.open(secret, lease);
        server = serverKind(runtime, System.getenv(SERVER_ENV)).start(port, this::handle, "tandem-request-");
    }

    /** The server kind for {@code runtime}, or the one {@code chosen} names; refuses any other name. */
    static Http1Server.Kind serverKind(String runtime, String chosen) {
        if (chosen == null || chosen.isBlank()) return runtime.equals("java") ? Http1Server.Kind.POLLING : Http1Server.Kind.BLOCKING;
        return switch (chosen.strip()) {
            case "polling" -> Http1Server.Kind.POLLING;
            case "blocking" -> Http1Server.Kind.BLOCKING;
            default -> throw new IllegalArgumentException(SERVER_ENV + " must be polling or blocking, was '" + chosen + "'");
        };
    }

    void failStartup(String function, String detail) {
        state.set(new Failed(function, detail));
        System.err.println("tandem-runtime: function " + function + " failed to load: " + detail);
    }

    /** The bound port: useful when started on port 0. */
    public int port() {
        return server.port();
    }

    /** The control line's port, announced in the health answer. */
    int controlPort() {
        return control.port();
    }

    @Override
    public void close() {
        control.close();
        server.close();
        if (state.get() instanceof Serving s) s.invoker().close();
    }

    private void selfSpecialize(Specialization spec) {
        long start = System.nanoTime();
        try {
            runtimeVariables(spec);
            state.set(new Serving(spec.function(), loader.load(spec)));
            System.err.printf("tandem-runtime: %s serves %s, loaded in %d ms%n", runtime, spec.function(), elapsedMillis(start));
        } catch (LoadException e) {
            failStartup(spec.function(), e.getMessage());
        } catch (RuntimeException e) {
            failStartup(spec.function(), Replies.describe(e));
        }
    }

    /** Closes the exchange only when the answer is complete: after a throw, HttpServer drops the connection instead. */
    private void handle(HttpExchange exchange) throws IOException {
        try {
            switch (exchange.getRequestURI().getPath()) {
                case "/_/health" -> health(exchange);
                case "/_/specialize" -> specialize(exchange);
                default -> invoke(exchange);
            }
        } catch (RuntimeException bug) {
            System.err.println("tandem-runtime: failed to serve " + exchange.getRequestURI() + ":");
            bug.printStackTrace();
            if (exchange.getResponseCode() >= 0) throw bug;
            Replies.error(exchange, 500, "runtime failed", Replies.describe(bug));
        }
        exchange.close();
    }

    private void health(HttpExchange exchange) throws IOException {
        Map<String, String> query = Replies.query(exchange.getRequestURI().getRawQuery());
        if (query.containsKey("epoch")) {
            if (!secret.admits(HeaderFields.of(exchange).first(Secret.HEADER))) {
                Replies.error(exchange, 403, "forbidden", "only the executor grants leases: a grant carries the instance's secret in " + Secret.HEADER);
                return;
            }
            long now = System.currentTimeMillis();
            long epoch;
            long millis;
            long issued;
            try {
                epoch = Long.parseLong(query.get("epoch"));
                millis = Long.parseLong(query.getOrDefault("lease", "0"));
                issued = query.containsKey("issued") ? Long.parseLong(query.get("issued")) : now; // without it: from now
            } catch (NumberFormatException e) {
                Replies.error(exchange, 400, "bad lease", "epoch and lease must be whole numbers, as /_/health?epoch=3&lease=300");
                return;
            }
            if (!lease.renew(epoch, millis, issued, now)) {
                Replies.error(exchange, 409, "stale epoch", "this instance already holds epoch " + lease.epoch() + ", newer than " + epoch);
                return;
            }
        }
        State now = state.get();
        HealthReply reply = healthReply;
        if (reply == null || reply.state() != now) {
            reply = healthReplyOf(now);
            healthReply = reply;
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        Replies.send(exchange, reply.status(), reply.body());
    }

    /** The health answer for one state, made once: the active is probed ten times a second. */
    private record HealthReply(State state, int status, byte[] body) {
    }

    /** The last health answer made; any thread may replace it (a stale one is only remade). */
    private volatile HealthReply healthReply;

    private HealthReply healthReplyOf(State now) {
        Map<String, Object> body = new java.util.LinkedHashMap<>(switch (now) {
            case Failed f -> Map.of("error", "function failed to load", "detail", f.detail(), "function", f.function());
            case Serving s -> Map.of("status", "ok", "runtime", runtime, "function", s.function());
            case Loading l -> Map.of("status", "ok", "runtime", runtime, "loading", l.function());
            case Generic g -> Map.of("status", "ok", "runtime", runtime);
        });
        body.put("control", control.port());
        try {
            return new HealthReply(now, now instanceof Failed ? 500 : 200, Json.MAPPER.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new java.io.UncheckedIOException(e); // a map of strings always writes
        }
    }

    private void specialize(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        Specialization spec = admitted(exchange);
        if (spec == null) return;
        State current = state.get();
        if (!(current instanceof Generic) || !state.compareAndSet(current, new Loading(spec.function()))) {
            Replies.error(exchange, 409, "instance already specialized", describe(state.get()));
            return;
        }
        Map<String, String> replaced = Map.of();
        try {
            replaced = ProcessVariables.add(spec.env()); // before loading: static initializers may read them
            replaced.putAll(runtimeVariables(spec));
            Invoker invoker = loader.load(spec);
            state.set(new Serving(spec.function(), invoker));
        } catch (LoadException | RuntimeException e) {
            restoreQuietly(replaced); // back to the pool as it came
            state.set(GENERIC);
            String detail = e instanceof LoadException ? e.getMessage() : Replies.describe(e);
            System.err.println("tandem-runtime: cannot load " + spec.function() + ": " + detail);
            Replies.error(exchange, 422, "cannot load function", detail);
            return;
        }
        long loadMillis = elapsedMillis(start);
        System.err.printf("tandem-runtime: %s specialized for %s in %d ms%n", runtime, spec.function(), loadMillis);
        Replies.json(exchange, 200, Map.of("function", spec.function(), "loadMillis", loadMillis));
    }

    /** The specialization a request asks for, or null once the request has been refused (method, secret, body). */
    private Specialization admitted(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "POST");
            Replies.error(exchange, 405, "method not allowed", "use POST /_/specialize");
            return null;
        }
        if (!secret.admits(HeaderFields.of(exchange).first(Secret.HEADER))) {
            Replies.error(exchange, 403, "forbidden", "only the instance's agent specializes it: the request carries the instance's secret in " + Secret.HEADER);
            return null;
        }
        Specialization spec;
        try {
            spec = Json.MAPPER.readValue(exchange.getRequestBody(), Specialization.class);
        } catch (JacksonException e) {
            Replies.error(exchange, 400, "bad specialize request", e.getOriginalMessage());
            return null;
        }
        if (spec == null || spec.function() == null || spec.function().isBlank()) {
            Replies.error(exchange, 400, "bad specialize request", "missing 'function'");
            return null;
        }
        return spec;
    }

    /**
     * Adds the runtime's variables where the function has none of its own; returns what they replaced. Unlike the
     * function's own, they are not worth refusing the function for: a JVM that cannot take them (started without
     * the agent's options) serves without them, and says so.
     */
    private Map<String, String> runtimeVariables(Specialization spec) {
        Map<String, String> variables = new java.util.HashMap<>(loader.variables(spec, System.getenv()));
        variables.keySet().removeAll(spec.env().keySet());
        try {
            return ProcessVariables.add(variables);
        } catch (LoadException e) {
            System.err.println("tandem-runtime: " + spec.function() + " runs without " + variables.keySet() + ": " + e.getMessage());
            return Map.of();
        }
    }

    private static void restoreQuietly(Map<String, String> replaced) {
        try {
            ProcessVariables.restore(replaced);
        } catch (LoadException e) {
            System.err.println("tandem-runtime: " + e.getMessage());
        }
    }

    private void invoke(HttpExchange exchange) throws IOException {
        String fenced = lease.refusal(HeaderFields.of(exchange).first("X-Tandem-Epoch"));
        if (fenced != null) {
            exchange.getResponseHeaders().set("X-Tandem-Fenced", "true");
            Replies.error(exchange, 503, "instance fenced", fenced);
            return;
        }
        switch (state.get()) {
            case Serving s -> s.invoker().invoke(exchange);
            case Failed f -> Replies.error(exchange, 500, "function failed to load", f.detail());
            case Generic g -> Replies.error(exchange, 503, "instance not specialized", null);
            case Loading l -> Replies.error(exchange, 503, "instance not specialized", "still loading " + l.function());
        }
    }

    private static String describe(State state) {
        return switch (state) {
            case Serving s -> "serves " + s.function();
            case Loading l -> "is loading " + l.function();
            case Failed f -> "failed to load " + f.function();
            case Generic g -> "is generic";
        };
    }

    private static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
