package io.tandem.executor;

import java.time.Instant;

/**
 * One instance process on one node. Changed on the executor's context only; the volatile fields are read by the
 * cluster view from any thread.
 */
final class Instance {
    final String id;
    final String node;
    final String environment;
    volatile String function;
    volatile Role role;
    volatile long generation;
    volatile InstanceState state = InstanceState.STARTING;
    volatile long pid;
    volatile int port;
    /** What the instance obeys (from its agent); null for an http instance. Never shown to users. */
    volatile String secret;
    volatile Instant lastUsed;
    volatile Instant readyAt;
    /** When it became its function's active; executor context only. */
    Instant activeSince;
    /** When its probes were first found late, while that lasts without a failover; executor context only. */
    Instant suspectedSince;

    /** A generic warm instance of {@code environment}'s pool. */
    static Instance pooled(String id, String node, String environment, Instant now) {
        return new Instance(id, node, environment, null, Role.POOL, 0, now);
    }

    /** An instance launched to serve {@code function} at {@code generation} from its start, as {@code role}. */
    static Instance serving(String id, String node, String environment, String function, Role role, long generation, Instant now) {
        return new Instance(id, node, environment, function, role, generation, now);
    }

    private Instance(String id, String node, String environment, String function, Role role, long generation, Instant now) {
        this.id = id;
        this.node = node;
        this.environment = environment;
        this.function = function;
        this.role = role;
        this.generation = generation;
        this.lastUsed = now;
    }

    boolean ready() {
        return state == InstanceState.READY;
    }

    boolean stopping() {
        return state == InstanceState.STOPPING;
    }

    /** Launching, or a warm instance loading its function. */
    boolean starting() {
        return state == InstanceState.STARTING || state == InstanceState.SPECIALIZING;
    }

    /** A member of an active-standby pair. */
    boolean pairMember() {
        return role == Role.ACTIVE || role == Role.STANDBY;
    }

    boolean serves(String fn) {
        return fn.equals(function);
    }
}
