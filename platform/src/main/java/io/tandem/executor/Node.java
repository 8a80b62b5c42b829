package io.tandem.executor;

import io.tandem.agent.NodeRegistration;
import io.vertx.core.Promise;
import java.time.Instant;

/** A registered agent and what the executor knows of its liveness. Changed on the executor's context only. */
final class Node {
    final String name;
    final String url;
    final long pid;
    final AgentClient client;
    volatile boolean alive = true;
    /** Heartbeats are only counted once the stream delivered its first event; until then the join grace runs. */
    volatile boolean streaming;
    final Instant registered;
    volatile Instant lastHeartbeat;
    /** When its heartbeats were first found missing while its agent's process still ran; executor context only. */
    Instant lateSince;
    /** Completed when the node is declared dead, so calls a frozen agent never answers still end. */
    final Promise<Void> lost = Promise.promise();

    Node(NodeRegistration reg, AgentClient client, Instant now) {
        this.name = reg.name();
        this.url = reg.url();
        this.pid = reg.pid();
        this.client = client;
        this.registered = now;
        this.lastHeartbeat = now;
    }
}
