package io.tandem.executor;

import io.tandem.agent.AgentEvent;
import io.tandem.agent.InstanceInfo;
import io.tandem.agent.LaunchRequest;
import io.tandem.agent.PrefetchRequest;
import io.tandem.agent.SpecializeRequest;
import io.vertx.core.Future;
import io.tandem.model.LogQuery;
import io.tandem.model.LogRecord;
import java.util.List;
import java.util.function.Consumer;

/**
 * Everything the executor asks of one node: the seam between deciding where instances run and running them. Over
 * HTTP to a Tandem agent ({@link HttpAgentClient}); another backend (a Kubernetes one, say) implements this and an
 * {@link AgentConnector}. Futures complete on the caller's Vert.x context. A refusal fails with
 * {@link io.tandem.http.ApiException} carrying the agent's status and detail (422: the function failed to load).
 */
public interface AgentClient {
    /** Completes once the instance answers its health check. */
    Future<InstanceInfo> launch(LaunchRequest request);

    Future<InstanceInfo> specialize(String instanceId, SpecializeRequest request);

    /** Fetches a package into the node's code cache ahead of the first call; completes when it is there. */
    Future<Void> prefetch(PrefetchRequest request);

    /** Completes once the process exited. */
    Future<Void> stop(String instanceId);

    Future<List<InstanceInfo>> list();

    /**
     * Opens the agent's event stream; {@code onEvent} gets every event in order. The future completes (or fails)
     * when the stream ends, which the executor treats as the node's loss.
     */
    Future<Void> events(Consumer<AgentEvent> onEvent);

    /**
     * Feeds the function's log lines on this node that {@code query} selects to {@code onRecord}, oldest first;
     * when following, calls {@code onLive} after the backlog and goes on with new lines until {@code until}
     * completes. Completes at the end of the log (never while following).
     */
    Future<Void> log(String function, LogQuery query, Consumer<LogRecord> onRecord, Runnable onLive, Future<Void> until);

    void close();
}
