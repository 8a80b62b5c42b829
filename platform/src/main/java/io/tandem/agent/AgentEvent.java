package io.tandem.agent;

import java.time.Instant;

/**
 * One line of an agent's event stream ({@code GET /v1/events}, NDJSON). Types: {@code heartbeat} (every
 * heartbeat interval), {@code exited} (an instance process ended: {@code instanceId}, {@code exitCode}, {@code at}).
 */
public record AgentEvent(String type, String node, String instanceId, Integer exitCode, Instant at) {
    public static final String HEARTBEAT = "heartbeat";
    public static final String EXITED = "exited";

    public static AgentEvent heartbeat(String node, Instant at) {
        return new AgentEvent(HEARTBEAT, node, null, null, at);
    }

    public static AgentEvent exited(String node, String instanceId, int exitCode, Instant at) {
        return new AgentEvent(EXITED, node, instanceId, exitCode, at);
    }
}
