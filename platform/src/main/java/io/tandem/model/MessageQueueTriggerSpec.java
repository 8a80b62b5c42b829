package io.tandem.model;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Calls {@code function} with each message published on {@code topic} (a NATS subject, wildcards allowed) as the
 * body of an HTTP request through the router, so the function's fault-tolerance strategy applies. A 2xx answer is
 * published on {@code respTopic} when set; a message whose calls keep failing is tried {@code maxRetries} more times,
 * waiting {@code retryDelay} and then twice as long each time up to {@code maxRetryDelay}, and then published on
 * {@code errorTopic} (when set) and dropped. {@code concurrency}: messages of this trigger in flight at once.
 *
 * <p>Defaults: {@code messageQueueType} nats (the only one), {@code maxRetries} 3, {@code retryDelay} 1s,
 * {@code maxRetryDelay} 1m, {@code concurrency} 1, {@code method} POST, {@code path} /.
 */
public record MessageQueueTriggerSpec(String function, String messageQueueType, String topic, String respTopic, String errorTopic,
        Integer maxRetries, Duration retryDelay, Duration maxRetryDelay, Integer concurrency, String method, String path) {
    public static final String NATS = "nats";
    public static final int MAX_RETRIES = 100;
    public static final int MAX_CONCURRENCY = 1000;
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH");

    public MessageQueueTriggerSpec {
        messageQueueType = messageQueueType == null || messageQueueType.isBlank() ? NATS : messageQueueType;
        maxRetries = maxRetries == null ? 3 : maxRetries;
        retryDelay = retryDelay == null ? Duration.ofSeconds(1) : retryDelay;
        maxRetryDelay = maxRetryDelay == null ? Duration.ofMinutes(1) : maxRetryDelay;
        concurrency = concurrency == null ? 1 : concurrency;
        method = method == null || method.isBlank() ? "POST" : method.toUpperCase(Locale.ROOT);
        path = path == null || path.isBlank() ? "/" : path;
    }

    /** With the defaults for everything but the function and the topics. */
    public static MessageQueueTriggerSpec of(String function, String topic, String respTopic, String errorTopic) {
        return new MessageQueueTriggerSpec(function, null, topic, respTopic, errorTopic, null, null, null, null, null, null);
    }

    public void validate() {
        Names.require("spec.function", function);
        if (!NATS.equals(messageQueueType)) {
            throw new InvalidResourceException("spec.messageQueueType", "unsupported '" + messageQueueType + "': only nats (NATS JetStream) is supported");
        }
        Subjects.require("spec.topic", topic, true);
        if (respTopic != null) requireOutput("spec.respTopic", respTopic);
        if (errorTopic != null) requireOutput("spec.errorTopic", errorTopic);
        if (maxRetries < 0 || maxRetries > MAX_RETRIES) throw new InvalidResourceException("spec.maxRetries", "must be 0 to " + MAX_RETRIES + ", was " + maxRetries);
        if (!positive(retryDelay)) throw new InvalidResourceException("spec.retryDelay", "must be more than 0 and at most 1h, was " + Durations.format(retryDelay));
        if (!positive(maxRetryDelay) || maxRetryDelay.compareTo(retryDelay) < 0) {
            throw new InvalidResourceException("spec.maxRetryDelay", "must be at least retryDelay (" + Durations.format(retryDelay) + ") and at most 1h, was "
                    + Durations.format(maxRetryDelay));
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new InvalidResourceException("spec.concurrency", "must be 1 to " + MAX_CONCURRENCY + " messages in flight, was " + concurrency);
        }
        if (!METHODS.contains(method)) throw new InvalidResourceException("spec.method", "unknown method '" + method + "': use POST, PUT, PATCH, GET or DELETE");
        if (!path.startsWith("/")) throw new InvalidResourceException("spec.path", "must start with '/', was '" + path + "'");
        if (!TimeTriggerSpec.isUriPath(path)) throw new InvalidResourceException("spec.path", "'" + path + "' is not a valid URL path and query: percent-encode spaces and other special characters");
    }

    /** A topic messages are published to: no wildcards, and not one the trigger reads, which would loop forever. */
    private void requireOutput(String field, String subject) {
        Subjects.require(field, subject, false);
        if (Subjects.matches(topic, subject)) {
            throw new InvalidResourceException(field, "'" + subject + "' is read by this trigger's topic '" + topic
                    + "', so each message would trigger the function again: pick a subject outside it");
        }
    }

    /** The wait before delivery {@code attempt} + 1, after {@code attempt} failed ones: retryDelay doubled, at most maxRetryDelay. */
    public Duration backoff(long attempt) {
        Duration d = retryDelay;
        for (long i = 1; i < attempt && d.compareTo(maxRetryDelay) < 0; i++) d = d.multipliedBy(2);
        return d.compareTo(maxRetryDelay) > 0 ? maxRetryDelay : d;
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero() && d.compareTo(Duration.ofHours(1)) <= 0;
    }

}
