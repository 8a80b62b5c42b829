package io.tandem.executor;

import io.tandem.agent.NodeRegistration;

/** Makes the client for an agent that registered. Thread-safe. */
@FunctionalInterface
public interface AgentConnector {
    AgentClient connect(NodeRegistration registration);
}
