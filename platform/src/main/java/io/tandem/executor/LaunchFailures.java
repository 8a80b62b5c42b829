package io.tandem.executor;

import io.tandem.http.ApiException;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Endpoint;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-loop bookkeeping: failures to start or load a function, or an environment's warm instances, each
 * push the next attempt back ({@link ExecutorConfig#loadBackoff()}), and failures closer together than the failure
 * memory add up. On the executor's context only; a function's error fields are read by the status from any thread.
 */
final class LaunchFailures {
    private static final Logger log = LoggerFactory.getLogger(LaunchFailures.class);

    /** Launch failures of one environment's pool, so a broken runtime is retried with back-off, not in a loop. */
    private static final class PoolFailures {
        int count;
        Instant retryAt;
    }

    private final InstantSource clock;
    private final Backoff backoff;
    private final Duration failureMemory;
    private final ClusterEvents events;
    private final Map<String, PoolFailures> pools = new HashMap<>();

    LaunchFailures(InstantSource clock, Backoff backoff, Duration failureMemory, ClusterEvents events) {
        this.clock = clock;
        this.backoff = backoff;
        this.failureMemory = failureMemory;
        this.events = events;
    }

    /**
     * {@code fs} failed to start or load ({@code cause}): its error is set, its next attempt pushed back and its
     * waiters failed. Answers the error to hand its caller.
     */
    ExecutorException failed(FunctionState fs, Throwable cause) {
        String detail = cause instanceof ApiException a ? a.detail() : cause.getMessage();
        boolean load = cause instanceof ApiException a && a.status() == 422;
        String message = cause instanceof ExecutorException ? cause.getMessage()
                : "function '" + fs.name() + "' " + (load ? "failed to load: " : "could not start: ") + detail;
        Instant now = clock.instant();
        fs.failures++;
        fs.lastError = message;
        fs.errorAt = now;
        fs.retryAt = now.plus(backoff.delay(fs.failures));
        log.warn("{} ({} in a row, next try after {})", message, fs.failures, fs.retryAt);
        if (!(cause instanceof ExecutorException)) events.emit(ClusterEvent.LOAD_FAILED, fs.name(), null, null, message + " (attempt " + fs.failures + ")");
        ExecutorException e = new ExecutorException(message);
        failWaiters(fs, e);
        return e;
    }

    /** Clears the error; the failure count only once the last failure is old, so a crash loop keeps backing off. */
    void succeeded(FunctionState fs) {
        if (fs.errorAt == null || Duration.between(fs.errorAt, clock.instant()).compareTo(failureMemory) > 0) fs.failures = 0;
        fs.lastError = null;
        fs.retryAt = null;
    }

    static void failWaiters(FunctionState fs, RuntimeException e) {
        List<CompletableFuture<Endpoint>> w = List.copyOf(fs.waiters);
        fs.waiters.clear();
        w.forEach(f -> f.completeExceptionally(e));
    }

    /** A warm instance of {@code environment} failed ({@code why}): its pool's refills back off. */
    void poolFailed(String environment, String why) {
        PoolFailures f = pools.computeIfAbsent(environment, k -> new PoolFailures());
        f.count++;
        f.retryAt = clock.instant().plus(backoff.delay(f.count));
        log.warn("warm instance of environment {} {} ({} in a row, next try after {})", environment, why, f.count, f.retryAt);
    }

    /** A warm instance of {@code environment} became ready at {@code readyAt}: an old failure is forgotten. */
    void poolStarted(String environment, Instant readyAt) {
        PoolFailures f = pools.get(environment);
        if (f != null && Duration.between(f.retryAt, readyAt).compareTo(failureMemory) > 0) pools.remove(environment);
    }

    boolean poolBackingOff(String environment, Instant now) {
        PoolFailures f = pools.get(environment);
        return f != null && now.isBefore(f.retryAt);
    }

    /** The environment changed or went: its pool starts afresh. */
    void forgetPool(String environment) {
        pools.remove(environment);
    }
}
