package io.tandem.executor;

import io.tandem.agent.AgentEvent;
import io.tandem.agent.InstanceInfo;
import io.tandem.agent.LaunchRequest;
import io.tandem.agent.PrefetchRequest;
import io.tandem.agent.SpecializeRequest;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Consumer;

/**
 * The executor's view of one node's agent. Futures complete on the caller's Vert.x context. A refusal fails with
 * {@link io.tandem.agent.AgentException} carrying the agent's status and detail (422: the function failed to load).
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

    /** Feeds the instance's log lines to {@code onLine}; completes at the end of the log (never when following). */
    Future<Void> log(String instanceId, int tail, boolean follow, Consumer<String> onLine, Future<Void> until);

    void close();
}
