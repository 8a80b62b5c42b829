package io.tandem.server;

import io.tandem.executor.Executor;
import io.tandem.model.Endpoint;
import io.tandem.model.LogQuery;
import io.tandem.model.LogRecord;
import io.tandem.router.CallLogs;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** The router's reads of an instance's log, asked of its node's agent through the executor of this process. Thread-safe. */
final class ExecutorLogs implements CallLogs {
    private final Executor executor;

    ExecutorLogs(Executor executor) {
        this.executor = executor;
    }

    @Override
    public CompletionStage<List<LogRecord>> since(Endpoint instance, Instant from, int max) {
        return executor.nodeLog(instance.node(), instance.function(), new LogQuery(max, from, instance.instanceId(), false, true));
    }
}
