package io.tandem.agent;

import io.tandem.home.TandemHome;
import io.tandem.http.ApiException;
import io.tandem.http.FreePort;
import io.tandem.model.CodeRef;
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
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's agent: starts, specializes, stops and lists instance processes and reads their logs, for the executor,
 * which reaches it through {@link AgentRoutes}, an HTTP API on loopback.
 *
 * <p><b>Events.</b> The executor opens one long-lived {@code GET /v1/events} per agent and reads NDJSON
 * {@link AgentEvent}s: a heartbeat every {@code heartbeatInterval} and an {@code exited} line the moment an
 * instance process ends ({@link Process#onExit}). One connection gives ordered events without a second server,
 * and its loss is itself a failure signal the executor acts on without waiting for missed heartbeats. While no
 * stream is open, exits are queued for the next one and the agent re-registers ({@code POST {executor}/v1/nodes})
 * every second, which is also how an agent joins a server that started later or restarted.
 *
 * <p><b>Threading.</b> The instance table and the event stream are touched only on the agent's Vert.x context (one
 * event loop), where every package-private method here is called; process starts run on {@link ProcessLauncher}'s
 * single forking thread; downloads and file reads on worker threads.
 */
public final class Agent {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    private static final Pattern INSTANCE_ID = Pattern.compile("^[a-z0-9][a-z0-9.-]{0,120}$");

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

    /** A log read: the lines a query selected, and for a follow what ends it. */
    record LogRead(List<LogRecord> backlog, Optional<Runnable> stop) {
    }

    private final Vertx vertx;
    private final Config config;
    private final InstantSource clock;
    private final Path nodeDir;
    private final Path pidFile;
    private final String token;
    private final ProcessLauncher launcher = new ProcessLauncher();
    private final InstanceCommands commands;
    private final CodeCache codes;
    private final FunctionLogs logs;
    private final WebClient client;
    private final Readiness readiness;
    private final Map<String, RunningInstance> instances = new LinkedHashMap<>();
    private final EventStream events;
    private final Promise<Void> lost = Promise.promise();
    private HttpServer server;
    private volatile Context context;
    private long timer = -1;
    /** Set once by {@link #start()} before the API listens; immutable and thread-safe after. */
    private volatile Sandbox sandbox;

    public Agent(Vertx vertx, Config config) {
        this(vertx, config, InstantSource.system());
    }

    /** {@code clock} stamps the events and times the executor's absence; readiness is timed on {@link System#nanoTime()}. */
    public Agent(Vertx vertx, Config config, InstantSource clock) {
        this(vertx, config, clock, System::nanoTime);
    }

    /**
     * {@code clock} stamps the events and times the executor's absence; {@code nanoTime}, a monotonic source in
     * nanoseconds, times each instance's readiness deadline, so no clock adjustment moves it.
     */
    public Agent(Vertx vertx, Config config, InstantSource clock, LongSupplier nanoTime) {
        this.vertx = vertx;
        this.config = config;
        this.clock = clock;
        this.events = new EventStream(clock.instant());
        this.nodeDir = config.home().nodeDir(config.name());
        this.pidFile = nodeDir.resolve("instances.pids");
        this.token = config.home().readToken();
        this.commands = new InstanceCommands(config.home(), () -> sandbox);
        // Unordered: a fetch must not wait for another package's (a cold start for a download it does not need).
        this.codes = new CodeCache(nodeDir.resolve("code"), token, r -> vertx.executeBlocking(() -> {
            r.run();
            return null;
        }, false));
        this.logs = new FunctionLogs(nodeDir.resolve("logs"), config.name(), config.logCapBytes());
        this.client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false).setConnectTimeout(2000));
        this.readiness = new Readiness(vertx, client, nanoTime, config.readyTimeout(), logs);
    }

    /** Kills leftovers of an earlier agent of this node, binds the API and starts registering with the executor. */
    public Future<Agent> start() {
        return vertx.executeBlocking(() -> {
            Files.createDirectories(nodeDir.resolve("logs"));
            Files.createDirectories(nodeDir.resolve("code"));
            PidFile.killLeftovers(pidFile);
            sandbox = Sandbox.open(config.home().root(), nodeDir, config.name(), System.getenv(Sandbox.ISOLATION_ENV));
            sandbox.clearLeftoverGroups();
            if (sandbox.separateUsers()) Sandbox.requireReadableByAll(commands.runtimeClasspath(), commands.java());
            log.info("agent {}: instances run as {}, limited by {}", config.name(),
                    sandbox.separateUsers() ? "users of their own" : "the agent's user",
                    sandbox.cgroupVersion().map(v -> "control groups " + v.name().toLowerCase()).orElse("rlimits"));
            ExecHost.Built host = commands.execHost();
            if (host.binary() != null) {
                log.info("agent {}: exec instances run on the native host {}{}", config.name(), host.binary(),
                        host.buildMillis() > 0 ? " (built in " + host.buildMillis() + " ms)" : "");
            } else if (host.reason().startsWith(ExecHost.MODE_ENV)) {
                log.info("agent {}: exec instances run on the JVM ({})", config.name(), host.reason());
            } else {
                log.warn("agent {}: exec instances run on the JVM: {}", config.name(), host.reason());
            }
            return null;
        }).compose(v -> {
            context = Vertx.currentContext();
            return new AgentRoutes(vertx, this, clock).listen(config.host(), config.port(), token);
        }).map(s -> {
            server = s;
            timer = vertx.setPeriodic(config.heartbeatInterval().toMillis(), id -> tick());
            register();
            commands.archive().ensure();
            log.info("agent {} listening on {}", config.name(), url());
            return this;
        });
    }

    /** Whether the executor holds the event stream now. */
    boolean streaming() {
        return events.isOpen();
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

    /** Makes {@code sink} the event stream, ending any earlier one; it gets a heartbeat and what was queued. */
    void attach(EventStream.Sink sink) {
        events.attach(sink, AgentEvent.heartbeat(config.name(), clock.instant()), clock.instant());
    }

    void detach(EventStream.Sink sink) {
        events.detach(sink, clock.instant());
    }

    private void tick() {
        Instant now = clock.instant();
        if (events.isOpen()) {
            events.heartbeat(AgentEvent.heartbeat(config.name(), now), now);
            return;
        }
        Duration without = events.closedFor(now);
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
        return instances.values().stream().map(RunningInstance::info).toList();
    }

    static boolean validId(String id) {
        return id != null && INSTANCE_ID.matcher(id).matches();
    }

    /** Launches and waits until the instance is ready; fails with {@link ApiException} carrying the HTTP status. */
    Future<InstanceInfo> launch(LaunchRequest req) {
        if (!validId(req.instanceId())) return Future.failedFuture(new ApiException(400, "invalid instance id", String.valueOf(req.instanceId())));
        if (req.runtime() == null) return Future.failedFuture(new ApiException(400, "missing runtime", "use java, exec, http or lambda"));
        if (instances.containsKey(req.instanceId())) return Future.failedFuture(new ApiException(409, "instance exists", req.instanceId()));
        return sharedCode(req.code(), req.runtime(), req.packagesUrl()).compose(path -> startProcess(req, path))
                .compose(running -> readiness.await(running).map(v -> {
                    running.state = "ready";
                    return running.info();
                }));
    }

    /** The package in this node's code cache; none without a package. */
    private Future<Path> sharedCode(CodeRef code, Runtime runtime, String packagesUrl) {
        if (code == null) return Future.succeededFuture(null);
        return Future.fromCompletionStage(codes.codePath(code, runtime, packagesUrl), vertx.getOrCreateContext())
                .recover(e -> Future.failedFuture(new ApiException(422, "cannot prepare the code", Causes.root(e))));
    }

    /** The uploaded file an instance needs beside its code: only when its command names it ({@code {jar}}). */
    private static Path artifactFor(String command, Path sharedCode, CodeRef code) {
        return sharedCode != null && code != null && CommandTemplate.usesArtifact(command) ? CodeCache.artifact(sharedCode, code) : null;
    }

    /** A launch's confinement and its command, made off the event loop (it copies the function's code). */
    private record Prepared(Sandbox.Confinement confinement, ProcessBuilder builder, int port) {
    }

    private Prepared prepare(LaunchRequest req, Path sharedCode) {
        Sandbox.Confinement c;
        try {
            c = sandbox.confine(req.instanceId(), commands.limits(req, req.memoryMegabytes(), req.cpuMillis()));
        } catch (IOException | RuntimeException e) {
            throw new ApiException(500, "cannot confine the instance", Causes.root(e));
        }
        try {
            Path code = sandbox.privateCode(c, sharedCode, artifactFor(req.command(), sharedCode, req.code()));
            int port = FreePort.loopback();
            return new Prepared(c, commands.process(req, c, code, port), port);
        } catch (IOException | RuntimeException e) {
            sandbox.release(c);
            throw new ApiException(400, "cannot build the instance command", Causes.root(e));
        }
    }

    private Future<RunningInstance> startProcess(LaunchRequest req, Path sharedCode) {
        Future<Prepared> prepared = vertx.executeBlocking(() -> prepare(req, sharedCode), false);
        // The instance obeys whoever holds its secret: handed over on its standard input, never in its environment.
        String secret = req.runtime() == Runtime.HTTP ? null : InstanceSecret.generate();
        return prepared.compose(p -> Future.fromCompletionStage(launcher.start(p.builder(), secret), vertx.getOrCreateContext())
                .recover(e -> {
                    release(p.confinement());
                    return Future.failedFuture(new ApiException(500, "cannot start the instance", Causes.root(e)));
                })
                .map(process -> {
                    RunningInstance r = new RunningInstance(req, process, p.port(), secret, p.confinement());
                    LogPump.start(process.getInputStream(), req.instanceId(), "stdout", () -> r.function, logs);
                    LogPump.start(process.getErrorStream(), req.instanceId(), "stderr", () -> r.function, logs);
                    instances.put(req.instanceId(), r);
                    savePids();
                    process.onExit().thenAccept(x -> context.runOnContext(v -> exited(r)));
                    return r;
                }));
    }

    private void exited(RunningInstance r) {
        int code = r.process.exitValue();
        if (instances.remove(r.id(), r)) savePids();
        log.info("instance {} exited with {}", r.id(), code);
        release(r.confinement); // what it forked goes with it
        events.emit(AgentEvent.exited(config.name(), r.id(), code, clock.instant()));
    }

    private void release(Sandbox.Confinement confinement) {
        vertx.executeBlocking(() -> {
            sandbox.release(confinement);
            return null;
        }, false);
    }

    /** Fetches a package into this node's code cache; completes when it is there. */
    Future<Void> prefetch(PrefetchRequest req) {
        return Future.fromCompletionStage(codes.codePath(req.code(), req.runtime(), req.packagesUrl()), vertx.getOrCreateContext()).mapEmpty();
    }

    Future<InstanceInfo> specialize(String id, SpecializeRequest req) {
        RunningInstance r = instances.get(id);
        if (r == null) return Future.failedFuture(new ApiException(404, "no such instance", id));
        if (r.request.runtime() == Runtime.HTTP) return Future.failedFuture(new ApiException(409, "cannot specialize", "an http instance serves one function from its start"));
        if (r.function != null) return Future.failedFuture(new ApiException(409, "already specialized", r.function));
        SpecializeSteps steps = new SpecializeSteps(System.nanoTime());
        Future<Path> code = sharedCode(req.code(), r.request.runtime(), req.packagesUrl()).andThen(x -> steps.codeReady = System.nanoTime());
        r.state = "specializing";
        return code.compose(shared -> vertx.executeBlocking(() -> {
            try {
                sandbox.limit(r.confinement, commands.limits(r.request, req.memoryMegabytes(), req.cpuMillis()));
                Path own = sandbox.privateCode(r.confinement, shared, artifactFor(req.command(), shared, req.code()));
                steps.confined = System.nanoTime();
                return own;
            } catch (IOException e) {
                throw new ApiException(500, "cannot give the instance its code", Causes.root(e));
            }
        }, false)).compose(path -> client.post(r.port, "127.0.0.1", "/_/specialize").putHeader("Content-Type", "application/json")
                .putHeader(InstanceSecret.HEADER, r.secret)
                .sendBuffer(Buffer.buffer(Json.writeBytes(commands.specialization(r.request.runtime(), req, path))))
                .recover(e -> Future.failedFuture(new ApiException(502, "instance unreachable", Causes.root(e))))
        ).compose(resp -> {
            r.state = "ready";
            if (resp.statusCode() == 200) {
                r.function = req.function();
                if (log.isDebugEnabled()) steps.log(id, req.function(), resp.bodyAsString());
                return Future.succeededFuture(r.info());
            }
            int status = resp.statusCode() == 422 || resp.statusCode() == 409 ? resp.statusCode() : 502;
            return Future.failedFuture(new ApiException(status, "specialization failed", Causes.describe(resp.bodyAsString())));
        }, e -> {
            r.state = "ready";
            return Future.failedFuture(e);
        });
    }

    /** When each step of a specialization ended, for its debug line: what a slow cold start spent its time on. */
    private static final class SpecializeSteps {
        final long began;
        volatile long codeReady;
        volatile long confined;

        SpecializeSteps(long began) {
            this.began = began;
        }

        /** {@code answer}: the instance's, which says how long its own load took. */
        void log(String id, String function, String answer) {
            long now = System.nanoTime();
            Object load;
            try {
                load = Json.read(answer, Map.class).get("loadMillis");
            } catch (RuntimeException e) {
                load = "?"; // the line is for a person reading it; a runtime that answers otherwise changes nothing
            }
            Agent.log.debug("specialized {} for {} in {} ms: its code ready after {} ms, confined and given its code after {} ms more,"
                    + " then the instance took {} ms (its load {} ms)", id, function, millis(now - began), millis(codeReady - began),
                    millis(confined - codeReady), millis(now - confined), load);
        }

        private static String millis(long nanos) {
            return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
        }
    }

    /**
     * SIGTERM to the instance and its descendants, SIGKILL after the grace period; completes at exit, once the
     * instance is no longer listed (its exit event follows on its own).
     */
    Future<Void> stopInstance(String id) {
        RunningInstance r = instances.get(id);
        if (r == null) return Future.failedFuture(new ApiException(404, "no such instance", id));
        r.state = "stopping";
        r.process.descendants().forEach(ProcessHandle::destroy);
        r.process.destroy();
        long t = vertx.setTimer(config.stopGrace().toMillis(), x -> r.kill());
        return Future.fromCompletionStage(r.process.onExit(), vertx.getOrCreateContext())
                .onComplete(ar -> {
                    vertx.cancelTimer(t);
                    if (instances.remove(id, r)) savePids();
                }).mapEmpty();
    }

    private void savePids() {
        PidFile.write(pidFile, instances.values().stream().map(r -> r.process).toList());
    }

    // ---- logs --------------------------------------------------------------------------------------------

    /**
     * The function's log lines on this node that {@code query} selects; when following, {@code live} then gets each
     * new line, on a thread of the log's own, until the read's {@code stop} runs.
     */
    Future<LogRead> readLog(String function, LogQuery query, Consumer<LogRecord> live) {
        return vertx.executeBlocking(() -> {
            List<LogRecord> backlog = new ArrayList<>();
            Runnable stop = query.follow() ? logs.follow(function, query, live, backlog) : null;
            if (!query.follow()) backlog.addAll(logs.read(function, query));
            return new LogRead(backlog, Optional.ofNullable(stop));
        });
    }
}
