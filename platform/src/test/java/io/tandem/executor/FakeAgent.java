package io.tandem.executor;

import io.tandem.agent.AgentEvent;
import io.tandem.agent.InstanceInfo;
import io.tandem.agent.LaunchRequest;
import io.tandem.agent.PrefetchRequest;
import io.tandem.agent.SpecializeRequest;
import io.tandem.http.ApiException;
import io.tandem.model.LogQuery;
import io.tandem.model.LogRecord;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An agent in memory. Launches are ready at once unless {@link #holdLaunches}; specializations wait in
 * {@link #pendingSpecializations} until the test answers them with {@link #answerSpecialization}. Everything the
 * executor is told comes back on the executor's context, as the real client does.
 */
final class FakeAgent implements AgentClient {
    private static final AtomicInteger PIDS = new AtomicInteger(1000);

    final String name;
    final List<LaunchRequest> launches = new CopyOnWriteArrayList<>();
    final List<String> stops = new CopyOnWriteArrayList<>();
    final Map<String, InstanceInfo> running = new ConcurrentHashMap<>();
    final List<Pending> pendingSpecializations = new CopyOnWriteArrayList<>();
    /** What {@link #list} reports: instances the agent still runs from before it (re-)registered. */
    final List<InstanceInfo> leftovers = new CopyOnWriteArrayList<>();
    volatile String failLaunchesWith;
    volatile boolean holdLaunches;
    private volatile Consumer<AgentEvent> events;
    private volatile Promise<Void> streamEnd;
    private volatile Context context;

    record Pending(String instanceId, SpecializeRequest request, Promise<InstanceInfo> answer, Context context) {
    }

    FakeAgent(String name) {
        this.name = name;
    }

    @Override
    public Future<InstanceInfo> launch(LaunchRequest request) {
        launches.add(request);
        if (failLaunchesWith != null) return Future.failedFuture(new ApiException(422, "function failed to load", failLaunchesWith));
        InstanceInfo info = new InstanceInfo(request.instanceId(), request.environment(), request.function(), "127.0.0.1",
                20000 + PIDS.get() % 10000, PIDS.incrementAndGet(), "ready", null);
        if (healthServers != null && !holdLaunches) return serveHealth(info);
        if (healthServers != null) {
            // Held: its health server answers, but the launch completes only when the test says so.
            Promise<InstanceInfo> held = Promise.promise();
            Context caller = Vertx.currentContext();
            serveHealth(info).onSuccess(served -> heldLaunches.add(new HeldLaunch(served, held, caller)));
            return held.future();
        }
        running.put(request.instanceId(), info);
        if (holdLaunches) {
            Promise<InstanceInfo> held = Promise.promise();
            heldLaunches.add(new HeldLaunch(info, held, Vertx.currentContext()));
            return held.future();
        }
        return Future.succeededFuture(info);
    }

    /**
     * When set, each launched instance is a real HTTP server on a loopback port that answers every request (its
     * health probes) with 200, and records the epoch each probe grants, so the executor's prober has something real
     * to probe; {@link #kill} closes it, {@link #freeze} makes it stop answering.
     */
    volatile Vertx healthServers;
    final Map<String, HttpServer> servers = new ConcurrentHashMap<>();
    final Set<String> frozen = ConcurrentHashMap.newKeySet();
    /** The epoch of the last probe that granted each instance a lease. */
    final Map<String, Long> leaseEpochs = new ConcurrentHashMap<>();

    private Future<InstanceInfo> serveHealth(InstanceInfo template) {
        String id = template.id();
        return healthServers.createHttpServer().requestHandler(req -> {
            if (frozen.contains(id)) return; // a stopped process: the connection is accepted by the kernel, nothing answers
            String epoch = req.getParam("epoch");
            if (epoch != null) leaseEpochs.put(id, Long.parseLong(epoch));
            req.response().end("ok");
        }).listen(0, "127.0.0.1").map(server -> {
            servers.put(id, server);
            InstanceInfo info = new InstanceInfo(id, template.environment(), template.function(), "127.0.0.1",
                    server.actualPort(), template.pid(), "ready", null);
            running.put(id, info);
            return info;
        });
    }

    /** The instance's process dies: its port closes at once and the agent reports the exit. */
    void kill(String instanceId) {
        HttpServer server = servers.remove(instanceId);
        // At once, as a killed process's sockets go: no grace for open connections.
        if (server != null) server.shutdown(0, TimeUnit.MILLISECONDS).await();
        exit(instanceId, 137);
    }

    /** Its instance {@code pid} is stopped when frozen, runs while it serves, and is unknown here otherwise. */
    ProcessStates.State stateOf(long pid) {
        for (InstanceInfo i : running.values()) {
            if (i.pid() == pid) return frozen.contains(i.id()) ? ProcessStates.State.STOPPED : ProcessStates.State.RUNNING;
        }
        return ProcessStates.State.UNKNOWN;
    }

    /** The instance hangs (SIGSTOP): it accepts connections but answers nothing; no exit is reported. */
    void freeze(String instanceId) {
        frozen.add(instanceId);
    }

    record HeldLaunch(InstanceInfo info, Promise<InstanceInfo> answer, Context context) {
    }

    /** Launches answered only when the test says, while {@link #holdLaunches}. */
    final List<HeldLaunch> heldLaunches = new CopyOnWriteArrayList<>();

    /** The held launch {@code index} succeeds now, on the context that asked for it. */
    void finishHeldLaunch(int index) {
        HeldLaunch h = heldLaunches.get(index);
        h.context().runOnContext(v -> h.answer().complete(h.info()));
    }

    final List<PrefetchRequest> prefetched = new CopyOnWriteArrayList<>();

    @Override
    public Future<Void> prefetch(PrefetchRequest request) {
        prefetched.add(request);
        return Future.succeededFuture();
    }

    @Override
    public Future<InstanceInfo> specialize(String instanceId, SpecializeRequest request) {
        Promise<InstanceInfo> p = Promise.promise();
        pendingSpecializations.add(new Pending(instanceId, request, p, Vertx.currentContext()));
        return p.future();
    }

    void answerSpecialization(int index, String loadError) {
        Pending pending = pendingSpecializations.get(index);
        pending.context().runOnContext(v -> {
            if (loadError == null) pending.answer().complete(running.get(pending.instanceId()));
            else pending.answer().fail(new ApiException(422, "specialization failed", loadError));
        });
    }

    @Override
    public Future<Void> stop(String instanceId) {
        stops.add(instanceId);
        running.remove(instanceId);
        HttpServer server = servers.remove(instanceId);
        if (server != null) server.shutdown(0, TimeUnit.MILLISECONDS);
        // A real agent answers once the process has exited, which takes a while: never, here, when told so.
        if (holdStops) {
            Promise<Void> held = Promise.promise();
            heldStops.add(held);
            return held.future();
        }
        return Future.succeededFuture();
    }

    volatile boolean holdStops;
    private final List<Promise<Void>> heldStops = new CopyOnWriteArrayList<>();

    /** Stops are answered at once from now on, and the held ones now. */
    void releaseStops() {
        holdStops = false;
        heldStops.forEach(Promise::tryComplete);
    }

    @Override
    public Future<List<InstanceInfo>> list() {
        return Future.succeededFuture(List.copyOf(leftovers));
    }

    @Override
    public Future<Void> events(Consumer<AgentEvent> onEvent) {
        events = onEvent;
        context = Vertx.currentContext();
        streamEnd = Promise.promise();
        onEvent.accept(AgentEvent.heartbeat(name, Instant.now())); // as the real agent greets a new reader
        return streamEnd.future();
    }

    void exit(String instanceId, int code) {
        running.remove(instanceId);
        context.runOnContext(v -> events.accept(AgentEvent.exited(name, instanceId, code, Instant.now())));
    }

    void heartbeat() {
        context.runOnContext(v -> events.accept(AgentEvent.heartbeat(name, Instant.now())));
    }

    void dropStream() {
        context.runOnContext(v -> streamEnd.tryFail("connection reset"));
    }

    /** What {@link #log} answers with, for any function: the records the query accepts, the last {@code tail} of them. */
    final List<LogRecord> logLines = new CopyOnWriteArrayList<>();

    @Override
    public Future<Void> log(String function, LogQuery query, Consumer<LogRecord> onRecord, Runnable onLive, Future<Void> until) {
        List<LogRecord> selected = logLines.stream().filter(r -> r.function().equals(function) && query.accepts(r)).toList();
        selected.subList(Math.max(0, selected.size() - query.tail()), selected.size()).forEach(onRecord);
        if (!query.follow()) return Future.succeededFuture();
        onLive.run();
        return until;
    }

    @Override
    public void close() {
    }

    List<LaunchRequest> poolLaunches() {
        return launches.stream().filter(l -> l.function() == null).toList();
    }

    List<LaunchRequest> functionLaunches(String function) {
        return launches.stream().filter(l -> function.equals(l.function())).toList();
    }
}
