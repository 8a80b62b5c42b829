package io.tandem.mqt;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.PublishOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsJetStreamMetaData;
import io.tandem.client.FunctionCaller;
import io.tandem.client.FunctionCaller.Answer;
import io.tandem.client.FunctionCaller.Call;
import io.tandem.client.NatsLink;
import io.tandem.model.ClusterEvent;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.model.MessageQueueTriggerSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One message queue trigger at work: its durable pull consumer {@code tandem-<trigger>} on the stream that stores
 * its topic, and the handling of each message.
 *
 * <p>Design note. A message is acknowledged only once the function answered 2xx and, when the trigger has a
 * respTopic, the answer is published there; until then JetStream keeps it, so a crash of the server, of NATS or of
 * the function's node loses nothing: the message is delivered again once its ack wait (the function's timeout plus
 * {@link #ACK_MARGIN}) has passed. The price is at least once: a function that answered just before a crash is
 * called again, with the same {@code X-Tandem-Message-Id}. A failed call is sent back with a delay ({@code NAK}),
 * so a later message may overtake it; JetStream counts the deliveries, so the count of tries survives restarts.
 * With {@code maxAckPending} = concurrency, JetStream never hands this consumer more messages than that at once,
 * and each runs on a virtual thread of its own.
 *
 * <p>Answers and dead letters are published with a JetStream acknowledgement when a stream stores their subject
 * (always for the errorTopic, for which a stream is made when none exists), carrying {@code Nats-Msg-Id} so a
 * repeat after a crash is dropped by the stream; on a subject no stream stores (a respTopic read by plain
 * subscribers) they are published and flushed, which confirms the server has them, and NATS delivers them to
 * whoever subscribes at that moment.
 *
 * <p>Threads: {@link #start} and {@link #stop} on the owner's control thread; messages on virtual threads.
 */
final class TriggerConsumer {
    private static final Logger log = LoggerFactory.getLogger(TriggerConsumer.class);
    static final Duration ACK_MARGIN = Duration.ofSeconds(10);
    /** How long past the function's own timeout a call may wait for the router before it counts as failed. */
    static final Duration CALL_MARGIN = Duration.ofSeconds(60);
    static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(5);
    static final int MAX_REASON = 500;

    public static final String TRIGGER_HEADER = "X-Tandem-Trigger";
    public static final String MESSAGE_ID_HEADER = "X-Tandem-Message-Id";
    public static final String DELIVERY_HEADER = "X-Tandem-Delivery";
    public static final String SUBJECT_HEADER = "X-Tandem-Subject";

    /** What a consumer is started from; two equal plans need no restart. */
    record Plan(String trigger, MessageQueueTriggerSpec spec, Instant start, Duration functionTimeout) {
        static Plan of(MessageQueueTrigger t, Duration functionTimeout) {
            Instant start = t.metadata().updated() != null ? t.metadata().updated() : t.metadata().created();
            return new Plan(t.name(), t.spec(), start, functionTimeout);
        }

        String durable() {
            return "tandem-" + trigger;
        }

        Duration ackWait() {
            return functionTimeout.plus(ACK_MARGIN);
        }
    }

    private final Plan plan;
    private final NatsLink link;
    private final FunctionCaller caller;
    private final StatusBoard.Counters status;
    private final ScheduledExecutorService ticker;
    private final Consumer<ClusterEvent> events;
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("mqt-message-", 0).factory());
    private MessageConsumer consuming; // control thread only
    private String stream; // control thread only
    private volatile boolean answersStored;
    private volatile boolean stopped;

    TriggerConsumer(Plan plan, NatsLink link, FunctionCaller caller, StatusBoard.Counters status, ScheduledExecutorService ticker,
            Consumer<ClusterEvent> events) {
        this.plan = plan;
        this.link = link;
        this.caller = caller;
        this.status = status;
        this.ticker = ticker;
        this.events = events;
    }

    Plan plan() {
        return plan;
    }

    boolean isConsuming() {
        return consuming != null;
    }

    /** The stream found or made for the topic, once {@link #start} got that far; null before. */
    String stream() {
        return stream;
    }

    /** Makes sure the streams and the durable consumer exist, then starts consuming. Throws what NATS refused. */
    void start(Connection c) throws IOException, JetStreamApiException {
        JetStreamManagement jsm = c.jetStreamManagement();
        MessageQueueTriggerSpec spec = plan.spec();
        stream = Streams.ensure(jsm, spec.topic());
        if (spec.errorTopic() != null) Streams.ensure(jsm, spec.errorTopic());
        answersStored = spec.respTopic() != null && Streams.stored(jsm, spec.respTopic());
        ensureConsumer(jsm);
        // The default pull (a large batch, held open) is bounded by maxAckPending: JetStream hands out no more.
        consuming = c.jetStream().getConsumerContext(stream, plan.durable()).consume(this::dispatch);
        status.consuming(stream, plan.durable());
        log.info("message queue trigger '{}' reads {} (stream {}, consumer {}) for function '{}'", plan.trigger(), spec.topic(), stream,
                plan.durable(), spec.function());
    }

    /**
     * Makes the durable consumer match the plan. One that exists on this topic keeps its position and takes the new
     * ack wait and concurrency; a new one (or one left on another topic) starts at the trigger's last change, so
     * messages stored since then are not missed.
     */
    private void ensureConsumer(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        ConsumerInfo existing = null;
        try {
            existing = jsm.getConsumerInfo(stream, plan.durable());
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != 404) throw e;
        }
        if (existing != null && plan.spec().topic().equals(existing.getConsumerConfiguration().getFilterSubject())) {
            update(jsm, existing);
            return;
        }
        if (existing != null) jsm.deleteConsumer(stream, plan.durable());
        ConsumerConfiguration.Builder b = newConsumer();
        if (plan.start() != null) b.deliverPolicy(DeliverPolicy.ByStartTime).startTime(plan.start().atZone(ZoneOffset.UTC));
        else b.deliverPolicy(DeliverPolicy.New);
        jsm.addOrUpdateConsumer(stream, b.build());
    }

    /**
     * Sets the new ack wait and concurrency on an existing consumer. NATS before 2.10 refuses any update of a
     * consumer made with a start time; such a consumer is made again from its acknowledged position, so only
     * messages handed out and not yet acknowledged (at most {@code concurrency}) are delivered again.
     */
    private void update(JetStreamManagement jsm, ConsumerInfo existing) throws IOException, JetStreamApiException {
        ConsumerConfiguration now = existing.getConsumerConfiguration();
        if (plan.ackWait().equals(now.getAckWait()) && plan.spec().concurrency() == now.getMaxAckPending()) return;
        try {
            jsm.addOrUpdateConsumer(stream, ConsumerConfiguration.builder(now).ackWait(plan.ackWait()).maxAckPending(plan.spec().concurrency()).build());
        } catch (JetStreamApiException refused) {
            long next = existing.getAckFloor().getStreamSequence() + 1;
            log.info("message queue trigger '{}': NATS refused to update consumer {} ({}); making it again from stream sequence {}",
                    plan.trigger(), plan.durable(), refused.getMessage(), next);
            jsm.deleteConsumer(stream, plan.durable());
            jsm.addOrUpdateConsumer(stream, newConsumer().deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(next).build());
        }
    }

    private ConsumerConfiguration.Builder newConsumer() {
        return ConsumerConfiguration.builder().durable(plan.durable()).filterSubject(plan.spec().topic())
                .ackPolicy(AckPolicy.Explicit).ackWait(plan.ackWait()).maxAckPending(plan.spec().concurrency()).maxDeliver(-1)
                .description("Tandem message queue trigger " + plan.trigger());
    }

    /** Stops taking messages; those in flight finish (or, when {@code abandon}, are left to be delivered again). */
    void stop(boolean abandon) {
        stopped = true;
        if (consuming != null) {
            try {
                consuming.close();
            } catch (Exception e) {
                log.debug("while stopping the consumer of '{}': {}", plan.trigger(), e.toString());
            }
            consuming = null;
        }
        if (abandon) workers.shutdownNow();
        else workers.shutdown();
    }

    /** Deletes the durable consumer (the trigger is gone); the stream and its messages stay. */
    void deleteConsumer(Connection c) throws IOException, JetStreamApiException {
        if (stream == null) stream = c.jetStreamManagement().getStreamNames(plan.spec().topic()).stream().findFirst().orElse(null);
        if (stream == null) return;
        try {
            c.jetStreamManagement().deleteConsumer(stream, plan.durable());
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != 404) throw e;
        }
    }

    // ---- one message ----------------------------------------------------------------------------------------

    private void dispatch(Message m) {
        try {
            workers.execute(() -> handle(m));
        } catch (RejectedExecutionException stopping) {
            m.nak(); // back to JetStream at once, for the consumer that replaces this one
        }
    }

    private void handle(Message m) {
        NatsJetStreamMetaData meta = m.metaData();
        long attempt = meta.deliveredCount();
        String id = meta.getStream() + ":" + meta.streamSequence();
        status.count(status.delivered);
        ScheduledFuture<?> progress = null;
        try {
            long beat = Math.max(1, plan.ackWait().toMillis() / 2);
            progress = ticker.scheduleAtFixedRate(m::inProgress, beat, beat, TimeUnit.MILLISECONDS);
            Answer answer = null;
            String reason = null;
            try {
                answer = caller.call(call(m, id, attempt), plan.functionTimeout().plus(CALL_MARGIN));
                if (answer.status() / 100 != 2) reason = "the function answered " + answer.status() + snippet(answer.body());
            } catch (IOException e) {
                reason = "no answer from the function: " + (e.getMessage() == null ? e.toString() : e.getMessage());
            }
            if (stopped && answer == null) return; // the server is stopping: delivered again later
            act(m, id, attempt, Verdict.of(plan.spec(), attempt, reason == null, reason), answer);
        } catch (InterruptedException e) {
            // Stopping: the message is not acknowledged, so JetStream delivers it again.
        } catch (RuntimeException e) {
            log.error("message queue trigger '{}': message {} failed unexpectedly; it is delivered again", plan.trigger(), id, e);
        } finally {
            if (progress != null) progress.cancel(false);
        }
    }

    private void act(Message m, String id, long attempt, Verdict verdict, Answer answer) throws InterruptedException {
        switch (verdict) {
            case Verdict.Succeeded s -> succeeded(m, id, attempt, answer);
            case Verdict.Retry r -> retry(m, r.delay(), r.reason());
            case Verdict.GiveUp g -> giveUp(m, id, attempt, g.reason(), answer == null ? null : answer.status());
        }
    }

    private void succeeded(Message m, String id, long attempt, Answer answer) throws InterruptedException {
        String respTopic = plan.spec().respTopic();
        if (respTopic != null) {
            Headers h = new Headers().put(TRIGGER_HEADER, plan.trigger()).put(MESSAGE_ID_HEADER, id)
                    .put("X-Tandem-Status", Integer.toString(answer.status()));
            try {
                publish(respTopic, answersStored, h, answer.body(), "answer-" + id);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) { // also what the client refuses outright, such as an answer above NATS's max payload
                // As a failed call: retried, and given up once the retries are spent (an answer too large for NATS never fits).
                String reason = "cannot publish the answer on " + respTopic + ": " + e.getMessage();
                act(m, id, attempt, Verdict.of(plan.spec(), attempt, false, reason), answer);
                return;
            }
        }
        try {
            m.ackSync(PUBLISH_TIMEOUT);
            status.count(status.succeeded);
        } catch (TimeoutException e) {
            // NATS may have it or not: if not, the message comes again and the function runs again.
            status.failed("message " + id + " answered but its acknowledgement was not confirmed: " + e.getMessage(), Instant.now());
        }
    }

    private void retry(Message m, Duration wait, String reason) {
        m.nakWithDelay(wait);
        status.count(status.retried);
        status.failed(reason, Instant.now());
        log.debug("message queue trigger '{}': {}; delivering it again in {} ms", plan.trigger(), reason, wait.toMillis());
    }

    /** Publishes the message on the errorTopic with why it failed, then terminates it so the consumer moves on. */
    private void giveUp(Message m, String id, long attempt, String reason, Integer status) throws InterruptedException {
        MessageQueueTriggerSpec spec = plan.spec();
        String errorTopic = spec.errorTopic();
        if (errorTopic != null) {
            Headers h = new Headers();
            if (m.hasHeaders()) m.getHeaders().entrySet().forEach(e -> h.put(e.getKey(), e.getValue()));
            h.put(TRIGGER_HEADER, plan.trigger()).put("X-Tandem-Function", spec.function()).put(MESSAGE_ID_HEADER, id)
                    .put(SUBJECT_HEADER, m.getSubject()).put("X-Tandem-Attempts", Long.toString(attempt))
                    .put("X-Tandem-Status", status == null ? "none" : Integer.toString(status)).put("X-Tandem-Reason", headerValue(reason));
            h.remove("Nats-Msg-Id");
            try {
                publish(errorTopic, true, h, m.getData(), "dead-" + id);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                // Keep it rather than lose it: it comes back after the longest back-off and is tried once more.
                retry(m, spec.maxRetryDelay(), "cannot publish the dead letter on " + errorTopic + ": " + e.getMessage());
                return;
            }
        }
        m.term();
        this.status.count(this.status.deadLettered);
        this.status.failed(reason, Instant.now());
        String detail = "message queue trigger '" + plan.trigger() + "' gave up message " + id + " from " + m.getSubject() + " after "
                + attempt + " attempt(s): " + reason + (errorTopic == null ? "; dropped (no errorTopic)" : "; published on " + errorTopic);
        log.info(detail);
        try {
            events.accept(ClusterEvent.of(Instant.now(), ClusterEvent.MQT_DEAD_LETTERED, spec.function(), null, null, detail));
        } catch (RuntimeException e) {
            log.warn("cannot report a dead letter: {}", e.toString());
        }
    }

    private void publish(String subject, boolean stored, Headers h, byte[] body, String messageId)
            throws IOException, JetStreamApiException, TimeoutException, InterruptedException {
        Connection c = link.connection().orElseThrow(() -> new IOException("NATS is " + link.state()));
        if (stored) {
            c.jetStream().publish(subject, h, body, PublishOptions.builder().messageId(messageId).build());
        } else {
            c.publish(subject, h, body);
            link.flush(c, PUBLISH_TIMEOUT);
        }
    }

    private Call call(Message m, String id, long attempt) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(TRIGGER_HEADER, plan.trigger());
        headers.put(MESSAGE_ID_HEADER, id);
        headers.put(DELIVERY_HEADER, Long.toString(attempt));
        headers.put(SUBJECT_HEADER, m.getSubject());
        MessageQueueTriggerSpec spec = plan.spec();
        return new Call(spec.function(), spec.method(), spec.path(), headers, m.getData() == null ? new byte[0] : m.getData());
    }

    private static String snippet(byte[] body) {
        if (body == null || body.length == 0) return "";
        String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip();
        return s.isEmpty() ? "" : ": " + s;
    }

    /** A header value NATS accepts: one line, not too long. */
    private static String headerValue(String s) {
        String line = s.replaceAll("[\\r\\n]+", " ");
        return line.length() > MAX_REASON ? line.substring(0, MAX_REASON) : line;
    }
}
