package io.tandem.router;

import io.tandem.model.Endpoint;
import io.tandem.model.LogRecord;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the router reads what one instance wrote to its log, for the Lambda Invoke API's log tail. Thread-safe;
 * never blocks the caller.
 */
public interface CallLogs {
    /**
     * The last {@code max} lines {@code instance} wrote from {@code from} on (as its agent stamped them), oldest
     * first; fails when its node cannot be asked.
     */
    CompletionStage<List<LogRecord>> since(Endpoint instance, Instant from, int max);

    /** No logs: a tail holds only its START, END and REPORT lines. */
    CallLogs NONE = (instance, from, max) -> CompletableFuture.completedFuture(List.of());
}
