package io.tandem.agent;

import io.tandem.home.TandemHome;
import io.tandem.http.ApiException;
import io.tandem.http.BearerToken;
import io.tandem.http.ClientConnections;
import io.tandem.http.ErrorReply;
import io.tandem.http.HeadDeadline;
import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.tandem.model.LogRecord;
import io.tandem.model.Runtime;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's agent: an HTTP API on loopback through which the executor starts, specializes, stops and lists
 * instance processes and reads their logs.
 *
 * <p><b>Events.</b> The executor opens one long-lived {@code GET /v1/events} per agent and reads NDJSON
 * {@link AgentEvent}s: a heartbeat every {@code heartbeatInterval} and an {@code exited} line the moment an
 * instance process ends ({@link Process#onExit}). One connection gives ordered events without a second server,
 * and its loss is itself a failure signal the executor acts on without waiting for missed heartbeats. While no
 * stream is open, exits are queued for the next one and the agent re-registers ({@code POST {executor}/v1/nodes})
 * every second, which is also how an agent joins a server that started later or restarted.
 *
 * <p><b>Threading.</b> The instance table is touched only on the agent's Vert.x context (one event loop); process
 * starts run on {@link ProcessLauncher}'s single forking thread; downloads and file reads on worker threads.
 */
public final class Agent {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    private static final Pattern INSTANCE_ID = Pattern.compile("^[a-z0-9][a-z0-9.-]{0,120}$");
    private static final int MAX_QUEUED_EVENTS = 10_000;

    /**
     * {@code heartbeatInterval} default 100 ms; {@code stopGrace}, from SIGTERM to SIGKILL, default 5 s;
     * {@code readyTimeout}, the longest an instance may take to answer its health check, default 60 s;
     * {@code executorLossLimit}: with {@code exitWhenExecutorLost}, the agent exits after this long without an
     * executor stream, default 30 s.
     */
    public record Config(String name, String executorUrl, String host, int port, TandemHome home,
                         Duration heartbeatInterval, Duration stopGrace, Duration readyTimeout,
                         Duration executorLossLimit, boolean exitWhenExecutorLost, long logCapBytes) {
        /** Ten mebibytes of log per function on each node: at 200-byte lines, the last 50,000 lines. */
        public static final long DEFAULT_LOG_CAP = 10L << 20;

        public static Config of(String name, String executorUrl, TandemHome home) {
            return new Config(name, executorUrl, "127.0.0.1", 0, home, Duration.ofMillis(100), Duration.ofSeconds(5),
                    Duration.ofSeconds(60), Duration.ofSeconds(30), false, DEFAULT_LOG_CAP);
        }

        public Config withPort(int p) {
            return new Config(name, executorUrl, host, p, home, heartbeatInterval, stopGrace, readyTimeout, executorLossLimit, exitWhenExecutorLost, logCapBytes);
        }

        public Config withExitWhenExecutorLost(boolean b) {
            return new Config(name, executorUrl, host, port, home, heartbeatInterval, stopGrace, readyTimeout, executorLossLimit, b, logCapBytes);
        }

        public Config withStopGrace(Duration d) {
            return new Config(name, executorUrl, host, port, home, heartbeatInterval, d, readyTimeout, executorLossLimit, exitWhenExecutorLost, logCapBytes);
        }

        public Config withLogCap(long bytes) {
            return new Config(name, executorUrl, host, port, home, heartbeatInterval, stopGrace, readyTimeout, executorLossLimit, exitWhenExecutorLost, bytes);
        }
    }

    /** Connections one local address may hold open on the agent's port (the executor needs a handful). */
    static final int LOCAL_CONNECTIONS_CAP = 512;
    static final int RUNTIME_MEMORY_MB = 256;
    /**
     * Lets Tandem's runtime give a warm JVM its function's variables at specialization (the runtime's
     * {@code ProcessVariables}, which writes the map behind {@code System.getenv}).
     */
    private static final List<String> RUNTIME_OPENS = List.of("--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED");

    private final Vertx vertx;
    private final Config config;
    private final Path nodeDir;
    private final String token;
    private final String java = ProcessHandle.current().info().command().orElse("java");
    private final ProcessLauncher launcher = new ProcessLauncher();
    private final CodeCache codes;
    private final FunctionLogs logs;
    private final WebClient client;
    private final Map<String, Running> instances = new LinkedHashMap<>();
    private final Deque<AgentEvent> queued = new ArrayDeque<>();
    private final Promise<Void> lost = Promise.promise();
    private HttpServer server;
    private volatile Context context;
    private HttpServerResponse stream;
    private Instant lastStream = Instant.now();
    private long timer = -1;
    private String runtimeClasspath;
    private ClassDataArchive archive;
    /** Set once by {@link #start()} before the API listens; immutable and thread-safe after. */
    private volatile Sandbox sandbox;

    private static final class Running {
        final LaunchRequest request;
        final Process process;
        final int port;
        /** What the instance obeys; null for an http instance. */
        final String secret;
        final Sandbox.Confinement confinement;
        /** Written on the agent's context when the instance is specialized; read by its log pumps. */
        volatile String function;
        String state = "starting";

        Running(LaunchRequest request, Process process, int port, String secret, Sandbox.Confinement confinement) {
            this.request = request;
            this.process = process;
            this.port = port;
            this.secret = secret;
            this.confinement = confinement;
            this.function = request.function();
        }

        InstanceInfo info() {
            return new InstanceInfo(request.instanceId(), request.environment(), function, "127.0.0.1", port, process.pid(), state, secret);
        }
    }

    public Agent(Vertx vertx, Config config) {
        this.vertx = vertx;
        this.config = config;
        this.nodeDir = config.home().nodeDir(config.name());
        this.token = config.home().readToken();
        this.codes = new CodeCache(nodeDir.resolve("code"), token, r -> vertx.executeBlocking(() -> {
            r.run();
            return null;
        }));
        this.logs = new FunctionLogs(nodeDir.resolve("logs"), config.name(), config.logCapBytes());
        this.client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false).setConnectTimeout(2000));
    }

    /** Kills leftovers of an earlier agent of this node, binds the API and starts registering with the executor. */
    public Future<Agent> start() {
        return vertx.executeBlocking(() -> {
            Files.createDirectories(nodeDir.resolve("logs"));
            Files.createDirectories(nodeDir.resolve("code"));
            PidFile.killLeftovers(nodeDir.resolve("instances.pids"));
            sandbox = Sandbox.open(config.home().root(), nodeDir, config.name(), System.getenv(Sandbox.ISOLATION_ENV));
            sandbox.clearLeftoverGroups();
            if (sandbox.separateUsers()) Sandbox.requireReadableByAll(runtimeClasspath(), java);
            log.info("agent {}: instances run as {}, limited by {}", config.name(),
                    sandbox.separateUsers() ? "users of their own" : "the agent's user",
                    sandbox.cgroupVersion().map(v -> "control groups " + v.name().toLowerCase()).orElse("rlimits"));
            return null;
        }).compose(v -> {
            context = Vertx.currentContext();
            Router router = Router.router(vertx);
            router.route("/v1/*").handler(new BearerToken(token).guard(new ApiException(401, "unauthorized", "missing or wrong bearer token")));
            router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(1 << 20));
            new AgentRoutes(this).register(router);
            // Its clients are this machine's executor and CLI: the same head deadline as every port, and a cap per client.
            HttpServer http = vertx.createHttpServer(HeadDeadline.options());
            http.requestHandler(HeadDeadline.install(vertx, http, HeadDeadline.DEFAULT_HEAD, HeadDeadline.DEFAULT_KEEP_ALIVE,
                    ClientConnections.capped(LOCAL_CONNECTIONS_CAP), router));
            return http.listen(config.port(), config.host());
        }).map(s -> {
            server = s;
            timer = vertx.setPeriodic(config.heartbeatInterval().toMillis(), id -> tick());
            register();
            archive().ensure();
            log.info("agent {} listening on {}", config.name(), url());
            return this;
        });
    }

    /** Whether the executor holds the event stream now. On the agent's context, which owns the stream. */
    boolean streaming() {
        return stream != null;
    }

    /** The agent's API base URL. */
    public String url() {
        return "http://" + config.host() + ":" + server.actualPort();
    }

    public String name() {
        return config.name();
    }

    /** Completes when the executor has been unreachable for longer than allowed (only with exitWhenExecutorLost). */
    public Future<Void> executorLost() {
        return lost.future();
    }

    /** Stops every instance (SIGTERM, then SIGKILL after the grace period) and closes the API. */
    public Future<Void> stop() {
        if (context != null && Vertx.currentContext() != context) {
            Promise<Void> done = Promise.promise();
            context.runOnContext(v -> stop().onComplete(done));
            return done.future();
        }
        if (timer >= 0) vertx.cancelTimer(timer);
        List<Future<Void>> stops = new ArrayList<>();
        for (String id : List.copyOf(instances.keySet())) stops.add(stopInstance(id));
        return Future.join(stops).otherwiseEmpty().compose(v -> server == null ? Future.succeededFuture() : server.close())
                .onComplete(ar -> launcher.close()).mapEmpty();
    }

    // ---- events ------------------------------------------------------------------------------------------

    void openStream(RoutingContext ctx) {
        if (stream != null) stream.end();
        HttpServerResponse r = ctx.response().setChunked(true).putHeader("Content-Type", "application/x-ndjson");
        stream = r;
        lastStream = Instant.now();
        r.closeHandler(v -> {
            if (stream == r) {
                stream = null;
                lastStream = Instant.now();
            }
        });
        write(AgentEvent.heartbeat(config.name(), Instant.now()));
        while (!queued.isEmpty() && stream != null) write(queued.poll());
    }

    private void emit(AgentEvent e) {
        if (stream == null) {
            if (queued.size() >= MAX_QUEUED_EVENTS) queued.poll();
            queued.add(e);
        } else {
            write(e);
        }
    }

    private void write(AgentEvent e) {
        stream.write(Buffer.buffer(Json.write(e) + "\n"));
    }

    private void tick() {
        if (stream != null) {
            write(AgentEvent.heartbeat(config.name(), Instant.now()));
            lastStream = Instant.now();
            return;
        }
        Duration without = Duration.between(lastStream, Instant.now());
        if (config.exitWhenExecutorLost() && without.compareTo(config.executorLossLimit()) > 0) {
            lost.tryComplete();
            return;
        }
        // Re-register about once a second while no executor listens.
        if (without.toMillis() / config.heartbeatInterval().toMillis() % Math.max(1, 1000 / config.heartbeatInterval().toMillis()) == 0) {
            register();
        }
    }

    private void register() {
        if (config.executorUrl() == null) return;
        NodeRegistration reg = new NodeRegistration(config.name(), url(), ProcessHandle.current().pid());
        client.postAbs(config.executorUrl() + "/v1/nodes").putHeader("Authorization", "Bearer " + token)
                .putHeader("Content-Type", "application/json")
                .sendBuffer(Buffer.buffer(Json.writeBytes(reg)))
                .onSuccess(resp -> {
                    if (resp.statusCode() >= 300) log.warn("executor refused registration: {} {}", resp.statusCode(), resp.bodyAsString());
                })
                .onFailure(e -> log.debug("cannot register with {}: {}", config.executorUrl(), e.toString()));
    }

    // ---- instances ---------------------------------------------------------------------------------------

    List<InstanceInfo> list() {
        return instances.values().stream().map(Running::info).toList();
    }

    static boolean validId(String id) {
        return id != null && INSTANCE_ID.matcher(id).matches();
    }

    /** Launches and waits until the instance is ready; fails with {@link ApiException} carrying the HTTP status. */
    Future<InstanceInfo> launch(LaunchRequest req) {
        if (!validId(req.instanceId())) return Future.failedFuture(new ApiException(400, "invalid instance id", String.valueOf(req.instanceId())));
        if (req.runtime() == null) return Future.failedFuture(new ApiException(400, "missing runtime", "use java, exec or http"));
        if (instances.containsKey(req.instanceId())) return Future.failedFuture(new ApiException(409, "instance exists", req.instanceId()));
        Future<Path> code = req.code() == null ? Future.succeededFuture(null)
                : Future.fromCompletionStage(codes.codePath(req.code(), req.runtime(), req.packagesUrl()), vertx.getOrCreateContext())
                        .recover(e -> Future.failedFuture(new ApiException(422, "cannot prepare the code", rootMessage(e))));
        return code.compose(path -> startProcess(req, path)).compose(running -> awaitReady(running).map(v -> {
            running.state = "ready";
            return running.info();
        }));
    }

    /** A launch's confinement and its command, made off the event loop (it copies the function's code). */
    private record Prepared(Sandbox.Confinement confinement, ProcessBuilder builder, int port) {
    }

    private Future<Running> startProcess(LaunchRequest req, Path sharedCode) {
        Future<Prepared> prepared = vertx.executeBlocking(() -> {
            Sandbox.Confinement c;
            try {
                c = sandbox.confine(req.instanceId(), limits(req.runtime(), req.memoryMegabytes(), req.cpuMillis()));
            } catch (IOException | RuntimeException e) {
                throw new ApiException(500, "cannot confine the instance", rootMessage(e));
            }
            try {
                Path code = sandbox.privateCode(c, sharedCode);
                int port = freePort();
                ProcessBuilder pb = new ProcessBuilder(sandbox.wrap(c, argv(req, code)));
                if (c.dir() != null) pb.directory(c.dir().toFile());
                Map<String, String> env = pb.environment();
                env.clear();
                env.putAll(baseEnvironment(System.getenv(), c.dir()));
                env.putAll(req.variables());
                env.put("PORT", Integer.toString(port));
                env.putAll(instanceEnv(req.runtime(), req.function(), code, req.entrypoint(), req.command(), req.timeout()));
                return new Prepared(c, pb, port);
            } catch (IOException | RuntimeException e) {
                sandbox.release(c);
                throw new ApiException(400, "cannot build the instance command", rootMessage(e));
            }
        }, false);
        // The instance obeys whoever holds its secret: handed over on its standard input, never in its environment.
        String secret = req.runtime() == Runtime.HTTP ? null : InstanceSecret.generate();
        return prepared.compose(p -> Future.fromCompletionStage(launcher.start(p.builder(), secret), vertx.getOrCreateContext())
                .recover(e -> {
                    vertx.executeBlocking(() -> {
                        sandbox.release(p.confinement());
                        return null;
                    }, false);
                    return Future.failedFuture(new ApiException(500, "cannot start the instance", rootMessage(e)));
                })
                .map(process -> {
                    int port = p.port();
                    Running r = new Running(req, process, port, secret, p.confinement());
                    LogPump.start(process.getInputStream(), req.instanceId(), "stdout", () -> r.function, logs);
                    LogPump.start(process.getErrorStream(), req.instanceId(), "stderr", () -> r.function, logs);
                    instances.put(req.instanceId(), r);
                    savePids();
                    process.onExit().thenAccept(x -> context.runOnContext(v -> exited(r)));
                    return r;
                }));
    }

    /**
     * An instance's limits: the function's memory for what it runs, plus {@value #RUNTIME_MEMORY_MB} MiB for Tandem's
     * runtime JVM in a java or exec instance (its own heap, metaspace and code cache).
     */
    private static Cgroups.Limits limits(Runtime runtime, int memoryMegabytes, int cpuMillis) {
        long mb = memoryMegabytes == 0 ? 0 : memoryMegabytes + (runtime == Runtime.HTTP ? 0 : RUNTIME_MEMORY_MB);
        return new Cgroups.Limits(mb << 20, cpuMillis, Sandbox.DEFAULT_PIDS);
    }

    private void exited(Running r) {
        int code = r.process.exitValue();
        if (instances.remove(r.request.instanceId(), r)) savePids();
        log.info("instance {} exited with {}", r.request.instanceId(), code);
        vertx.executeBlocking(() -> {
            sandbox.release(r.confinement); // what it forked goes with it
            return null;
        }, false);
        emit(AgentEvent.exited(config.name(), r.request.instanceId(), code, Instant.now()));
    }

    private List<String> argv(LaunchRequest req, Path code) {
        String codePath = code == null ? null : code.toString();
        return switch (req.runtime()) {
            // A java environment's own command replaces the runtime's launch line (an instance that speaks the same
            // protocol); an exec environment's command is what the runtime runs per request.
            // No -XX:TieredStopAtLevel=1 by default. Measured on this 2-core machine with the real runtime and a Lambda
            // handler (5 runs each): JVM start to healthy ~520 ms with it against ~730 ms without, but specialization
            // (~21 ms) and the first call (~14 ms) the same. The warm pool hides the start, while C1-only code caps a
            // long-running instance's peak throughput. An environment can still add it to jvmOptions.
            case JAVA, EXEC -> {
                if (req.runtime() == Runtime.JAVA && req.command() != null) yield CommandTemplate.expand(req.command(), codePath, java);
                List<String> argv = new ArrayList<>();
                argv.add(java);
                argv.addAll(archive().options()); // before the environment's options, which may turn it off (-Xshare:off)
                argv.addAll(RUNTIME_OPENS);
                argv.addAll(req.jvmOptions());
                argv.addAll(List.of("-cp", runtimeClasspath(), "io.tandem.runtime.Main", req.runtime().wireName()));
                yield argv;
            }
            case HTTP -> {
                if (req.command() != null) yield CommandTemplate.expand(req.command(), codePath, java);
                if (codePath == null) throw new IllegalArgumentException("an http instance needs a command or code");
                yield List.of(codePath);
            }
        };
    }

    /**
     * What an instance's environment starts from, before the function's own variables: the agent's {@code PATH}, locale,
     * time zone and temporary directory, and {@code HOME} (the instance's private directory, or the agent's when
     * instances share its user). Nothing else of the server's environment passes: an instance runs other people's
     * code, which must not learn where Tandem keeps its state (TANDEM_HOME, with the token and the store), how it is
     * configured, nor the secrets a deployment keeps in the server's environment. A function declares what it needs
     * in its spec's {@code env}.
     */
    static Map<String, String> baseEnvironment(Map<String, String> agent, Path home) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", agent.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        agent.forEach((name, value) -> {
            if (name.equals("LANG") || name.equals("LANGUAGE") || name.startsWith("LC_") || name.equals("TZ") || name.equals("TMPDIR")) {
                env.put(name, value);
            }
        });
        String userHome = home != null ? home.toString() : agent.get("HOME");
        if (userHome != null) env.put("HOME", userHome);
        return env;
    }

    private Map<String, String> instanceEnv(Runtime runtime, String function, Path code, String entrypoint, String command, Duration timeout) {
        Map<String, String> env = new LinkedHashMap<>();
        if (function == null) return env;
        env.put("TANDEM_FUNCTION", function);
        if (code != null) env.put("TANDEM_CODE", code.toString());
        if (entrypoint != null) env.put("TANDEM_ENTRYPOINT", entrypoint);
        if (runtime == Runtime.EXEC) env.put("TANDEM_COMMAND", Json.write(execCommand(command, code)));
        if (timeout != null) env.put("TANDEM_TIMEOUT_MS", Long.toString(timeout.toMillis()));
        return env;
    }

    private List<String> execCommand(String command, Path code) {
        String codePath = code == null ? null : code.toString();
        return command != null ? CommandTemplate.expand(command, codePath, java) : List.of(String.valueOf(codePath));
    }

    private synchronized String runtimeClasspath() {
        if (runtimeClasspath == null) runtimeClasspath = RuntimeClasspath.of(RuntimeClasspath.libDir());
        return runtimeClasspath;
    }

    private synchronized ClassDataArchive archive() {
        // Instances of users of their own cannot read root's cache: the archive then lives where they can.
        Path cache = sandbox != null && sandbox.separateUsers() ? Sandbox.sharedDir(config.home().root()).resolve("cds") : ClassDataArchive.defaultCacheDir();
        if (archive == null) archive = new ClassDataArchive(cache, java, runtimeClasspath());
        return archive;
    }

    private Future<Void> awaitReady(Running r) {
        Promise<Void> ready = Promise.promise();
        long deadline = System.nanoTime() + config.readyTimeout().toNanos();
        poll(r, ready, deadline);
        return ready.future();
    }

    private void poll(Running r, Promise<Void> ready, long deadline) {
        if (!r.process.isAlive()) {
            ready.tryFail(new ApiException(422, "instance exited before it was ready",
                    "exit code " + r.process.exitValue() + "; its last lines: " + String.join(" | ", logs.lastLines(r.function, r.request.instanceId(), 20))));
            return;
        }
        if (System.nanoTime() > deadline) {
            kill(r);
            ready.tryFail(new ApiException(504, "instance not ready in time", "no answer on /_/health within " + config.readyTimeout()));
            return;
        }
        client.get(r.port, "127.0.0.1", "/_/health").timeout(1000).send().onComplete(ar -> {
            if (ar.succeeded()) {
                int status = ar.result().statusCode();
                if (status == 200 || r.request.runtime() == Runtime.HTTP) {
                    ready.tryComplete();
                    return;
                }
                if (status == 500 || status == 422) {
                    kill(r);
                    ready.tryFail(new ApiException(422, "function failed to load", describe(ar.result().bodyAsString())));
                    return;
                }
            }
            vertx.setTimer(20, id -> poll(r, ready, deadline));
        });
    }

    /** Fetches a package into this node's code cache; completes when it is there. */
    Future<Void> prefetch(PrefetchRequest req) {
        return Future.fromCompletionStage(codes.codePath(req.code(), req.runtime(), req.packagesUrl()), vertx.getOrCreateContext()).mapEmpty();
    }

    Future<InstanceInfo> specialize(String id, SpecializeRequest req) {
        Running r = instances.get(id);
        if (r == null) return Future.failedFuture(new ApiException(404, "no such instance", id));
        if (r.request.runtime() == Runtime.HTTP) return Future.failedFuture(new ApiException(409, "cannot specialize", "an http instance serves one function from its start"));
        if (r.function != null) return Future.failedFuture(new ApiException(409, "already specialized", r.function));
        Future<Path> code = req.code() == null ? Future.succeededFuture(null)
                : Future.fromCompletionStage(codes.codePath(req.code(), r.request.runtime(), req.packagesUrl()), vertx.getOrCreateContext())
                        .recover(e -> Future.failedFuture(new ApiException(422, "cannot prepare the code", rootMessage(e))));
        r.state = "specializing";
        return code.compose(shared -> vertx.executeBlocking(() -> {
            try {
                sandbox.limit(r.confinement, limits(r.request.runtime(), req.memoryMegabytes(), req.cpuMillis()));
                return sandbox.privateCode(r.confinement, shared);
            } catch (IOException e) {
                throw new ApiException(500, "cannot give the instance its code", rootMessage(e));
            }
        }, false)).compose(path -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("function", req.function());
            if (path != null) body.put("code", path.toString());
            if (req.entrypoint() != null) body.put("entrypoint", req.entrypoint());
            if (r.request.runtime() == Runtime.EXEC) body.put("command", execCommand(req.command(), path));
            if (req.timeout() != null) body.put("timeoutMs", req.timeout().toMillis());
            if (!req.variables().isEmpty()) body.put("env", req.variables());
            return client.post(r.port, "127.0.0.1", "/_/specialize").putHeader("Content-Type", "application/json").putHeader(InstanceSecret.HEADER, r.secret)
                    .sendBuffer(Buffer.buffer(Json.writeBytes(body)))
                    .recover(e -> Future.failedFuture(new ApiException(502, "instance unreachable", rootMessage(e))));
        }).compose(resp -> {
            if (resp.statusCode() == 200) {
                r.function = req.function();
                r.state = "ready";
                return Future.succeededFuture(r.info());
            }
            r.state = "ready";
            int status = resp.statusCode() == 422 || resp.statusCode() == 409 ? resp.statusCode() : 502;
            return Future.failedFuture(new ApiException(status, "specialization failed", describe(resp.bodyAsString())));
        }, e -> {
            r.state = "ready";
            return Future.failedFuture(e);
        });
    }

    /**
     * SIGTERM to the instance and its descendants, SIGKILL after the grace period; completes at exit, once the
     * instance is no longer listed (its exit event follows on its own).
     */
    Future<Void> stopInstance(String id) {
        Running r = instances.get(id);
        if (r == null) return Future.failedFuture(new ApiException(404, "no such instance", id));
        r.state = "stopping";
        r.process.descendants().forEach(ProcessHandle::destroy);
        r.process.destroy();
        long t = vertx.setTimer(config.stopGrace().toMillis(), x -> kill(r));
        return Future.fromCompletionStage(r.process.onExit(), vertx.getOrCreateContext())
                .onComplete(ar -> {
                    vertx.cancelTimer(t);
                    if (instances.remove(id, r)) savePids();
                }).mapEmpty();
    }

    private static void kill(Running r) {
        r.process.descendants().forEach(ProcessHandle::destroyForcibly);
        r.process.destroyForcibly();
    }

    private void savePids() {
        Map<Long, Instant> pids = new LinkedHashMap<>();
        for (Running r : instances.values()) {
            pids.put(r.process.pid(), r.process.info().startInstant().orElse(null));
        }
        PidFile.write(nodeDir.resolve("instances.pids"), pids);
    }

    // ---- logs --------------------------------------------------------------------------------------------

    /**
     * Writes the function's log lines on this node that {@code query} selects as NDJSON {@link LogRecord}s; when
     * following, then a {@code {"live":true}} line, then each new line until the client goes away. A follower too
     * slow to take the lines loses some rather than holding them: the response says how many were dropped.
     */
    void serveLog(RoutingContext ctx, String function, LogQuery query) {
        HttpServerResponse resp = ctx.response().setChunked(true).putHeader("Content-Type", "application/x-ndjson");
        Context here = vertx.getOrCreateContext();
        long[] dropped = {0};
        List<LogRecord> early = new ArrayList<>(); // lines that came while the backlog was read: sent after it
        boolean[] backlogSent = {false};
        Consumer<LogRecord> live = r -> here.runOnContext(v -> {
            if (resp.closed() || resp.ended()) return;
            if (!backlogSent[0]) {
                early.add(r);
                return;
            }
            if (resp.writeQueueFull()) {
                dropped[0]++;
                return;
            }
            if (dropped[0] > 0) {
                resp.write(Json.write(new LogRecord(r.time(), function, "-", config.name(), "agent", dropped[0] + " lines dropped: the reader was too slow")) + "\n");
                dropped[0] = 0;
            }
            resp.write(Json.write(r) + "\n");
        });
        vertx.executeBlocking(() -> {
            List<LogRecord> backlog = new ArrayList<>();
            Runnable stop = query.follow() ? logs.follow(function, query, live, backlog) : null;
            if (!query.follow()) backlog.addAll(logs.read(function, query));
            return Map.entry(backlog, Optional.ofNullable(stop));
        }).onSuccess(read -> {
            StringBuilder text = new StringBuilder();
            for (LogRecord r : read.getKey()) text.append(Json.write(r)).append('\n');
            if (!query.follow()) {
                resp.end(text.toString());
                return;
            }
            text.append("{\"live\":true}\n");
            for (LogRecord r : early) text.append(Json.write(r)).append('\n');
            early.clear();
            backlogSent[0] = true;
            resp.write(text.toString());
            resp.closeHandler(v -> read.getValue().ifPresent(Runnable::run));
            if (resp.closed()) read.getValue().ifPresent(Runnable::run);
        }).onFailure(e -> ErrorReply.send(ctx.response(), 500, "cannot read the log", e.getMessage()));
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** An instance's {@code {"error","detail"}} body as one line; any other body as it is. */
    static String describe(String body) {
        try {
            ApiError e = Json.MAPPER.readValue(body, ApiError.class);
            if (e.error() == null) return body;
            return e.detail() == null || e.detail().isBlank() ? e.error() : e.error() + ": " + e.detail();
        } catch (IOException | RuntimeException notJson) {
            return body;
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof UncheckedIOException) && t.getCause() != null) {
            if (t instanceof UncheckedIOException && t.getMessage() != null) return t.getMessage();
            t = t.getCause();
        }
        if (t instanceof ApiException a) return a.detail();
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
