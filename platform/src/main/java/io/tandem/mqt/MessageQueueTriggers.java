package io.tandem.mqt;

import io.nats.client.Connection;
import io.tandem.client.FunctionCaller;
import io.tandem.client.NatsLink;
import io.tandem.client.RouterCaller;
import io.tandem.home.TandemHome;
import io.tandem.model.Change;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.mqt.TriggerConsumer.Plan;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the message queue triggers it reads from the change feed: one {@link TriggerConsumer} per trigger, started
 * when NATS is reachable, restarted when the trigger (or its function's timeout, which sets the ack wait) changes,
 * stopped and its durable consumer deleted when the trigger goes. The NATS connection is opened with the first
 * trigger, so a server without triggers never needs NATS; after each reconnection every consumer is started afresh.
 *
 * <p>Threads. Everything that talks to NATS about streams and consumers, and every map here, belongs to one
 * control thread {@code mqt-control}: the feed's and the connection's callbacks only hand it work. It reconciles
 * after each change, on each (re)connection and every {@link #RECONCILE} (so a failed setup is tried again), and
 * writes the {@link StatusBoard} every {@link #STATUS_EVERY} when something changed.
 */
public final class MessageQueueTriggers implements Consumer<Change>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MessageQueueTriggers.class);
    public static final String DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
    static final Duration RECONCILE = Duration.ofSeconds(2);
    static final Duration STATUS_EVERY = Duration.ofMillis(250);

    private final NatsLink link;
    private final FunctionCaller caller;
    private final StatusBoard board;
    private final Consumer<ClusterEvent> events;
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("mqt-control").unstarted(r));
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("mqt-ticker").unstarted(r));
    // Control thread only:
    private final Map<String, MessageQueueTrigger> triggers = new HashMap<>();
    private final Map<String, Duration> timeouts = new HashMap<>();
    private final Map<String, TriggerConsumer> running = new HashMap<>();
    /** Consumers of deleted triggers whose durable consumer NATS has not deleted yet (it was unreachable). */
    private final Map<String, TriggerConsumer> leftovers = new HashMap<>();
    private final Map<String, String> reportedFailures = new HashMap<>();

    MessageQueueTriggers(String natsUrl, FunctionCaller caller, StatusBoard board, Consumer<ClusterEvent> events) {
        this.caller = caller;
        this.board = board;
        this.events = events;
        this.link = new NatsLink(natsUrl, "message queue triggers", events, () -> control.execute(this::connectionChanged));
    }

    /**
     * Message queue triggers of the server whose router is at {@code router}, reading NATS at {@code natsUrl}, with
     * their status in {@code home}; {@code events} must return at once.
     */
    public static MessageQueueTriggers create(String natsUrl, URI router, TandemHome home, Consumer<ClusterEvent> events) {
        return new MessageQueueTriggers(natsUrl, new RouterCaller(router), new StatusBoard(StatusBoard.fileIn(home), natsUrl), events);
    }

    public MessageQueueTriggers start() {
        control.scheduleWithFixedDelay(this::reconcileQuietly, RECONCILE.toMillis(), RECONCILE.toMillis(), TimeUnit.MILLISECONDS);
        control.scheduleWithFixedDelay(() -> board.flush(link.isUp(), link.state()), 0, STATUS_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Takes in a change of a message queue trigger or of a function (whose timeout sets the ack wait). Any thread. */
    @Override
    public void accept(Change change) {
        switch (change.resource()) {
            case MessageQueueTrigger t -> control.execute(() -> {
                if (change.type() == Change.Type.DELETED) triggers.remove(t.name());
                else triggers.put(t.name(), t);
                reconcileQuietly();
            });
            case Function f -> control.execute(() -> {
                if (change.type() == Change.Type.DELETED) timeouts.remove(f.name());
                else timeouts.put(f.name(), f.spec().timeout());
                if (triggers.values().stream().anyMatch(t -> t.spec().function().equals(f.name()))) reconcileQuietly();
            });
            default -> {
            }
        }
    }

    /**
     * After a (re)connection every consumer starts afresh: the NATS server may have restarted, and its streams or
     * durable consumers may be new, so each pull is made again against what exists now.
     */
    private void connectionChanged() {
        board.connectionChanged();
        if (!link.isUp()) return;
        reportedFailures.clear();
        running.values().forEach(c -> c.stop(false));
        running.clear();
        reconcileQuietly();
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            log.error("message queue triggers: reconciling failed; trying again in {} ms", RECONCILE.toMillis(), e);
        }
    }

    /** Brings the running consumers in line with the triggers: stop what changed or went, start what is missing. */
    private void reconcile() {
        if (!triggers.isEmpty()) link.start();
        Map<String, Plan> wanted = new HashMap<>();
        triggers.forEach((name, t) -> wanted.put(name, Plan.of(t, timeouts.getOrDefault(t.spec().function(), FunctionSpec.DEFAULT_TIMEOUT))));
        Set<String> names = new HashSet<>(running.keySet());
        for (String name : names) {
            TriggerConsumer c = running.get(name);
            Plan plan = wanted.get(name);
            if (plan != null && plan.equals(c.plan())) continue;
            c.stop(false);
            running.remove(name);
            if (plan == null) {
                board.remove(name);
                reportedFailures.remove(name);
                leftovers.put(name, c);
            } else if (!plan.spec().topic().equals(c.plan().spec().topic())) {
                leftovers.put(name, c); // its durable consumer reads the old topic; the new one is made afresh
            }
        }
        Connection connection = link.connection().orElse(null);
        deleteLeftovers(connection, wanted);
        for (Plan plan : wanted.values()) {
            TriggerConsumer c = running.get(plan.trigger());
            if (c != null && c.isConsuming()) continue;
            if (c == null) {
                c = new TriggerConsumer(plan, link, caller, board.of(plan.trigger()), ticker, events);
                running.put(plan.trigger(), c);
            }
            if (connection != null) start(c, connection);
        }
    }

    private void start(TriggerConsumer c, Connection connection) {
        Plan plan = c.plan();
        try {
            c.start(connection);
            reportedFailures.remove(plan.trigger());
        } catch (Exception e) {
            c.stop(false);
            running.remove(plan.trigger());
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            board.of(plan.trigger()).stopped(reason);
            if (!Objects.equals(reportedFailures.put(plan.trigger(), reason), reason)) {
                log.warn("message queue trigger '{}' cannot read {}: {}; trying again every {} ms", plan.trigger(), plan.spec().topic(), reason,
                        RECONCILE.toMillis());
                emit(ClusterEvent.of(Instant.now(), ClusterEvent.MQT_FAILED, plan.spec().function(), null, null,
                        "message queue trigger '" + plan.trigger() + "' cannot read " + plan.spec().topic() + ": " + reason + "; trying again"));
            }
        }
    }

    /**
     * Deletes the durable consumers of triggers that are gone, or moved to a topic another stream stores; kept for
     * later while NATS is away. A trigger that moved within one stream needs none deleted: its new start replaces it.
     */
    private void deleteLeftovers(Connection connection, Map<String, Plan> wanted) {
        if (connection == null) return;
        for (var it = leftovers.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            TriggerConsumer old = e.getValue();
            try {
                Plan now = wanted.get(e.getKey());
                boolean sameStream = now != null && old.stream() != null
                        && connection.jetStreamManagement().getStreamNames(now.spec().topic()).contains(old.stream());
                if (!sameStream) {
                    old.deleteConsumer(connection);
                    log.info("message queue trigger '{}': deleted its consumer {} on {}", e.getKey(), old.plan().durable(), old.plan().spec().topic());
                }
                it.remove();
            } catch (Exception failure) {
                log.warn("message queue trigger '{}': cannot delete its consumer yet: {}", e.getKey(), failure.toString());
            }
        }
    }

    private void emit(ClusterEvent e) {
        try {
            events.accept(e);
        } catch (RuntimeException failure) {
            log.warn("cannot report a {} event: {}", e.type(), failure.toString());
        }
    }

    /** Stops every consumer (messages in flight are delivered again later) and the connection. Durable consumers stay. */
    @Override
    public void close() {
        try {
            control.submit(() -> {
                running.values().forEach(c -> c.stop(true));
                running.clear();
                board.flush(false, "stopped: the server is stopping");
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("while stopping message queue triggers: {}", e.toString());
        }
        control.shutdownNow();
        ticker.shutdownNow();
        link.close();
    }
}
