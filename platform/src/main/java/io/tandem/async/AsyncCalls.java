package io.tandem.async;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.PublishOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.tandem.client.FunctionCaller;
import io.tandem.client.FunctionCaller.Answer;
import io.tandem.client.NatsLink;
import io.tandem.client.RouterCaller;
import io.tandem.model.AsyncCall;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Json;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Async calls, kept in NATS JetStream so they outlive the server. {@link #accept} publishes a call on
 * {@code tandem.<installation>.async.<function>} in the work-queue stream {@code TANDEM_ASYNC_<installation>}
 * (duplicates by call id dropped) and records it in the key-value bucket {@code tandem_async_<installation>}; only
 * once JetStream confirmed the publish is the caller told 202. The installation's id keeps two Tandems on one NATS
 * apart. A durable consumer ({@value #DURABLE}) hands each call to a virtual thread, which calls the function through
 * the router (so its strategy applies), retries a 429, a 5xx or no answer with a doubling back-off (the message is
 * handed back to JetStream with a delay, so a restart does not lose the wait), and once the answer is final has
 * {@link Callbacks} POST it to the callback URL (at the address the guard checked) and acknowledges the message.
 *
 * <p><b>At least once.</b> A server killed after the function answered and before the acknowledgement runs the call
 * again; the state kept in the bucket makes a finished call only send its callback when that is what was left. The
 * function gets {@code X-Call-Id}, and the callback too, to drop what it saw before.
 *
 * <p><b>Threads.</b> {@link #accept} and {@link #state} block on NATS in a virtual thread of their own; one control
 * thread (re)starts the consumer when the connection comes back; calls run on virtual threads, at most
 * {@code concurrency} at once (JetStream hands out no more unacknowledged messages).
 */
public final class AsyncCalls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AsyncCalls.class);
    static final String DURABLE = "tandem-async";
    static final Duration KEEP = Duration.ofDays(7);
    static final Duration ACK_WAIT = Duration.ofSeconds(30);
    /** The router answers 504 after the function's timeout (at most 15 min): this only guards against a lost router. */
    static final Duration CALL_TIMEOUT = Duration.ofMinutes(16);
    static final Duration NATS_TIMEOUT = Duration.ofSeconds(5);
    static final int MAX_KEPT_BODY = 256 * 1024;

    /**
     * {@code maxRetries} after the first attempt (default 3), the first wait {@code retryDelay} (1s) doubling up to
     * {@code maxRetryDelay} (1m), calls run at once {@code concurrency} (8), attempts to deliver a callback
     * {@code callbackAttempts} (3, one second apart, then two).
     */
    public record Settings(int maxRetries, Duration retryDelay, Duration maxRetryDelay, int concurrency, int callbackAttempts) {
        public static Settings defaults() {
            return new Settings(3, Duration.ofSeconds(1), Duration.ofMinutes(1), 8, 3);
        }

        Duration delay(long attempt) {
            long factor = 1L << Math.min(20, Math.max(0, attempt - 1));
            Duration d = retryDelay.multipliedBy(factor);
            return d.compareTo(maxRetryDelay) > 0 ? maxRetryDelay : d;
        }
    }

    private final String stream;
    private final String subjectPrefix;
    private final String bucket;
    private final NatsLink link;
    private final FunctionCaller caller;
    private final CallbackGuard guard;
    private final Callbacks callbacks;
    private final Settings settings;
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("async-call-", 0).factory());
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
            .daemon().name("async-control").unstarted(r));
    private MessageConsumer consuming; // control thread only
    /** The connection on which the stream and the bucket are known to exist, and the bucket's handle on it. */
    private volatile Prepared prepared;

    private record Prepared(Connection connection, KeyValue bucket) {
    }
    private volatile boolean closed;

    AsyncCalls(String natsUrl, String installation, FunctionCaller caller, CallbackGuard guard, Callbacks callbacks, Settings settings,
               Consumer<ClusterEvent> events) {
        this.stream = "TANDEM_ASYNC_" + installation;
        this.subjectPrefix = "tandem." + installation + ".async.";
        this.bucket = "tandem_async_" + installation;
        this.caller = caller;
        this.guard = guard;
        this.callbacks = callbacks;
        this.settings = settings;
        this.link = new NatsLink(natsUrl, "async calls", events, () -> control.execute(this::connectionChanged));
    }

    /**
     * {@code installation}: the id that names this installation's stream, subjects and bucket ({@code TandemHome#installationId});
     * {@code vertx}: where the callbacks' HTTP client runs.
     */
    public static AsyncCalls create(Vertx vertx, String natsUrl, String installation, URI router, CallbackGuard guard, Settings settings,
                                    Consumer<ClusterEvent> events) {
        return new AsyncCalls(natsUrl, installation, new RouterCaller(router), guard, Callbacks.create(vertx, guard, settings), settings, events);
    }

    /** Starts connecting to NATS (and retrying until it answers); calls are taken once it does. */
    public AsyncCalls start() {
        link.start();
        return this;
    }

    /**
     * Stores {@code call}; completes once JetStream has it. Fails with {@link CallbackGuard.Refused} for a callback
     * URL the server will not call, with {@link IllegalStateException} while NATS cannot take it.
     */
    public CompletableFuture<Void> accept(AsyncCall call) {
        return onVirtualThread(() -> {
            if (call.callbackUrl() != null) guard.check(call.callbackUrl());
            Connection c = connection();
            PublishOptions options = PublishOptions.builder().messageId(call.id()).expectedStream(stream).streamTimeout(NATS_TIMEOUT).build();
            c.jetStream().publish(subjectPrefix + call.function(), Json.writeBytes(call), options);
            try {
                save(CallRecord.queued(call));
            } catch (IOException | JetStreamApiException e) {
                // Stored all the same: the call runs, and its record is written when it starts.
                log.warn("async call {} is stored but its state is not recorded yet: {}", call.id(), e.toString());
            }
            return null;
        });
    }

    /** The call's record as JSON, empty when the bucket holds none by that id. */
    public CompletableFuture<Optional<String>> state(String id) {
        return onVirtualThread(() -> read(id).map(Json::write));
    }

    private Connection connection() throws IOException, JetStreamApiException {
        return prepared().connection();
    }

    /** The connection, with the stream and the bucket made on it when this is its first use. */
    private Prepared prepared() throws IOException, JetStreamApiException {
        Connection c = link.connection().orElseThrow(() -> new IllegalStateException("async calls are kept in NATS at " + link.url()
                + ", which is " + link.state()));
        Prepared p = prepared;
        if (p == null || p.connection() != c) {
            prepare(c);
            // One handle per connection: making one asks JetStream about the bucket, a round trip each call would pay.
            p = new Prepared(c, c.keyValue(bucket));
            prepared = p;
        }
        return p;
    }

    /** Makes the stream and the bucket when missing; what exists is left as it is. */
    private void prepare(Connection c) throws IOException, JetStreamApiException {
        JetStreamManagement jsm = c.jetStreamManagement();
        if (jsm.getStreamNames(subjectPrefix + "x").isEmpty()) {
            try {
                jsm.addStream(StreamConfiguration.builder().name(stream).subjects(subjectPrefix + "*").storageType(StorageType.File)
                        .retentionPolicy(RetentionPolicy.WorkQueue).maxAge(KEEP).duplicateWindow(Duration.ofMinutes(2))
                        .description("Tandem's async calls, each until it is done").build());
            } catch (JetStreamApiException e) {
                if (jsm.getStreamNames(subjectPrefix + "x").isEmpty()) throw e; // else another server made it meanwhile
            }
        }
        KeyValueManagement kvm = c.keyValueManagement();
        if (!kvm.getBucketNames().contains(bucket)) {
            try {
                kvm.create(KeyValueConfiguration.builder().name(bucket).storageType(StorageType.File).ttl(KEEP)
                        .description("the state of Tandem's async calls, kept 7 days").build());
            } catch (JetStreamApiException e) {
                if (!kvm.getBucketNames().contains(bucket)) throw e;
            }
        }
    }

    private Optional<CallRecord> read(String id) throws IOException, JetStreamApiException {
        KeyValueEntry e = prepared().bucket().get(id);
        if (e == null || e.getOperation() != KeyValueOperation.PUT || e.getValue() == null) return Optional.empty();
        return Optional.of(Json.read(e.getValue(), CallRecord.class));
    }

    private void save(CallRecord r) throws IOException, JetStreamApiException {
        prepared().bucket().put(r.id(), Json.writeBytes(r));
    }

    // ---- the consumer ---------------------------------------------------------------------------------------

    /** On the control thread: after each connection, the consumer is started afresh on it. */
    private void connectionChanged() {
        stopConsuming();
        if (closed || !link.isUp()) return;
        try {
            Connection c = connection();
            c.jetStreamManagement().addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable(DURABLE)
                    .filterSubject(subjectPrefix + "*").ackPolicy(AckPolicy.Explicit).ackWait(ACK_WAIT)
                    .maxAckPending(settings.concurrency()).maxDeliver(-1).description("Tandem's async calls").build());
            consuming = c.jetStream().getConsumerContext(stream, DURABLE).consume(this::dispatch);
            log.info("async calls: consuming {} with {}, at most {} at once", stream, DURABLE, settings.concurrency());
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            log.warn("async calls cannot start their consumer: {}; trying again in 5 s", e.toString());
            control.schedule(this::connectionChanged, 5, TimeUnit.SECONDS);
        }
    }

    private void stopConsuming() {
        if (consuming == null) return;
        try {
            consuming.close();
        } catch (Exception e) {
            log.debug("while stopping the async consumer: {}", e.toString());
        }
        consuming = null;
    }

    private void dispatch(Message m) {
        try {
            workers.execute(() -> handle(m));
        } catch (RejectedExecutionException stopping) {
            m.nak();
        }
    }

    private void handle(Message m) {
        long attempt = m.metaData().deliveredCount();
        ScheduledFuture<?> progress = control.scheduleAtFixedRate(m::inProgress, ACK_WAIT.toMillis() / 3, ACK_WAIT.toMillis() / 3, TimeUnit.MILLISECONDS);
        try {
            AsyncCall call = Json.read(m.getData(), AsyncCall.class);
            CallRecord record = read(call.id()).orElse(CallRecord.queued(call));
            if (record.finished()) {
                finishDelivery(m, call, record);
                return;
            }
            record = record.running((int) attempt);
            save(record);
            Outcome outcome = run(call, attempt);
            if (closed && outcome.answer() == null) return; // stopping: delivered again later
            if (outcome.reason() != null && attempt <= settings.maxRetries()) {
                save(record.retrying(outcome.status(), outcome.reason()));
                m.nakWithDelay(settings.delay(attempt));
                return;
            }
            Answer answer = outcome.answer();
            record = record.finished(outcome.status(), outcome.reason(), outcome.millis(), answer == null ? null : answer.contentType(),
                    answer == null ? null : answer.body());
            save(record);
            if (record.callback() != null) save(callbacks.deliver(call, record, answer == null ? null : answer.body()));
            m.ackSync(NATS_TIMEOUT);
        } catch (InterruptedException e) {
            // Stopping: not acknowledged, so JetStream hands it out again.
        } catch (Exception e) {
            log.error("async call message {} failed unexpectedly; it is delivered again", m.metaData().streamSequence(), e);
        } finally {
            progress.cancel(false);
        }
    }

    /** A call done before a restart cut its message short: at most its callback is left. */
    private void finishDelivery(Message m, AsyncCall call, CallRecord record)
            throws IOException, JetStreamApiException, InterruptedException, TimeoutException {
        if (record.callback() != null && record.callback().state().equals("pending")) {
            save(callbacks.deliver(call, record, record.keptBody()));
        }
        m.ackSync(NATS_TIMEOUT);
    }

    /** One attempt's result: the answer (null when none came), why it counts as failed (null when it did not), its time. */
    private record Outcome(Answer answer, String reason, long millis) {
        Integer status() {
            return answer == null ? null : answer.status();
        }
    }

    private Outcome run(AsyncCall call, long attempt) throws InterruptedException {
        long began = System.nanoTime();
        Answer answer = null;
        String reason = null;
        try {
            answer = caller.call(new FunctionCaller.Call(call.function(), call.method(), call.path(), headersFor(call, attempt), call.body()),
                    CALL_TIMEOUT);
            if (answer.status() == 429 || answer.status() >= 500) reason = "the function answered " + answer.status();
        } catch (IOException e) {
            reason = "no answer from the function: " + (e.getMessage() == null ? e.toString() : e.getMessage());
        }
        return new Outcome(answer, reason, (System.nanoTime() - began) / 1_000_000);
    }

    private static Map<String, String> headersFor(AsyncCall call, long attempt) {
        Map<String, String> h = new LinkedHashMap<>(call.headers());
        h.put("X-Call-Id", call.id());
        h.put("X-Tandem-Attempt", Long.toString(attempt));
        return h;
    }

    private <T> CompletableFuture<T> onVirtualThread(Blocking<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofVirtual().name("async-api").start(() -> {
            try {
                result.complete(work.run());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    @FunctionalInterface
    private interface Blocking<T> {
        T run() throws Exception;
    }

    @Override
    public void close() {
        closed = true;
        control.execute(this::stopConsuming);
        control.shutdown();
        try {
            control.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        callbacks.close();
        link.close();
    }
}
