package io.tandem.server;

import io.tandem.async.AsyncCalls;
import io.tandem.async.CallbackGuard;
import io.tandem.client.WatchFeed;
import io.tandem.executor.EventUplink;
import io.tandem.model.AsyncCall;
import io.tandem.mqt.MessageQueueTriggers;
import io.tandem.router.AsyncGateway;
import io.tandem.router.Router;
import io.tandem.timer.FiringJournal;
import io.tandem.timer.RouterSender;
import io.tandem.timer.TimerScheduler;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's own callers of the router: time triggers ({@link TimerScheduler}), message queue triggers
 * ({@link MessageQueueTriggers}) and async calls ({@link AsyncCalls}). They run here, not in the controller, so they
 * keep calling while the controller restarts.
 *
 * <p>Threads. {@link #start} runs on the thread that starts the server, the stops on the one that stops it; the
 * fields are volatile so a stop from another thread sees what started.
 */
final class Triggers {
    private static final Logger log = LoggerFactory.getLogger(Triggers.class);

    private final ServerConfig config;
    private final Vertx vertx;
    private final WatchFeed feed;
    private final EventUplink events;
    private volatile TimerScheduler timers;
    private volatile AutoCloseable timerSubscription;
    private volatile MessageQueueTriggers queues;
    private volatile AutoCloseable queueSubscription;
    private volatile AsyncCalls async;

    Triggers(ServerConfig config, Vertx vertx, WatchFeed feed, EventUplink events) {
        this.config = config;
        this.vertx = vertx;
        this.feed = feed;
        this.events = events;
    }

    /**
     * Starts all three, calling the router at {@code routerUrl}, once it serves what the controller holds so a call
     * finds its function. Callbacks of async calls may never reach any of {@code ownUrls}.
     */
    void start(Router router, URI routerUrl, List<URI> ownUrls) {
        startTimers(routerUrl);
        startMessageQueueTriggers(routerUrl);
        startAsyncCalls(router, routerUrl, ownUrls);
    }

    private void startTimers(URI routerUrl) {
        TimerScheduler t = new TimerScheduler(InstantSource.system(), ZoneId.systemDefault(),
                FiringJournal.open(FiringJournal.fileIn(config.home())), new RouterSender(routerUrl), events::emit);
        timers = t;
        timerSubscription = feed.subscribe(t);
        t.start();
    }

    /** NATS may be down: the triggers report it and connect when it comes. */
    private void startMessageQueueTriggers(URI routerUrl) {
        MessageQueueTriggers q = MessageQueueTriggers.create(config.natsUrl(), routerUrl, config.home(), events::emit).start();
        queues = q;
        queueSubscription = feed.subscribe(q);
    }

    /** Takes async calls at the router, keeps them in NATS and runs them through the router. */
    private void startAsyncCalls(Router router, URI routerUrl, List<URI> ownUrls) {
        Set<InetSocketAddress> own = new HashSet<>();
        for (URI u : ownUrls) own.add(new InetSocketAddress(u.getHost(), u.getPort()));
        CallbackGuard guard = new CallbackGuard(config.allowPrivateCallbacks(), own);
        AsyncCalls a = AsyncCalls.create(vertx, config.natsUrl(), config.home().installationId(), routerUrl, guard, config.async(), events::emit)
                .start();
        async = a;
        router.asyncGateway(new AsyncGateway() {
            @Override
            public CompletionStage<Void> accept(AsyncCall call) {
                return a.accept(call).exceptionallyCompose(e -> CompletableFuture.failedFuture(
                        e instanceof CallbackGuard.Refused r ? new AsyncGateway.Refused(r.getMessage()) : e));
            }

            @Override
            public CompletionStage<Optional<String>> state(String id) {
                return a.state(id);
            }
        });
    }

    /**
     * Stops the timers (no new firings) and the message queue triggers (messages in flight are delivered again
     * later). Call before the router stops.
     */
    void stopFiring() {
        stopTimers();
        stopMessageQueueTriggers();
    }

    /** Closes the async calls. Call after the router has stopped, so no call is taken that could not be stored. */
    void closeAsyncCalls() {
        if (async != null) async.close();
    }

    private void stopMessageQueueTriggers() {
        unsubscribe(queueSubscription, "the message queue triggers");
        if (queues != null) queues.close();
    }

    private void stopTimers() {
        unsubscribe(timerSubscription, "the timers");
        if (timers != null) timers.close();
    }

    /** Stops the changes feeding one kind of trigger; a failure is only logged, so the triggers still stop. */
    private static void unsubscribe(AutoCloseable subscription, String what) {
        try {
            if (subscription != null) subscription.close();
        } catch (Exception e) {
            log.warn("while stopping {}: {}", what, e.toString());
        }
    }
}
