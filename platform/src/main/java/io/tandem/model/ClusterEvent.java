package io.tandem.model;

import java.time.Instant;

/**
 * Something that happened to the cluster and may explain why traffic moved: a node joined or died, an instance
 * became ready, exited, was replaced or reaped. {@code seq} is assigned by the controller's store (0 until then)
 * and increases with every stored event; {@code at} is the time on the clock of whoever saw it happen.
 * {@code type} is an open, short kebab-case word ({@code node-dead}, {@code instance-exited}, ...), so new kinds
 * need no schema change; {@code function}, {@code node} and {@code instance} are null when they do not apply.
 */
public record ClusterEvent(long seq, Instant at, String type, String function, String node, String instance, String detail) {
    public static final String NODE_JOINED = "node-joined";
    public static final String NODE_DEAD = "node-dead";
    public static final String INSTANCE_READY = "instance-ready";
    public static final String INSTANCE_EXITED = "instance-exited";
    public static final String INSTANCE_REPLACED = "instance-replaced";
    public static final String SPECIALIZED = "specialized";
    public static final String LOAD_FAILED = "load-failed";
    public static final String REAPED = "reaped";
    public static final String UNREACHABLE = "unreachable";
    public static final String PROMOTED = "promoted";
    public static final String FENCED = "fenced";
    public static final String UNRESPONSIVE = "unresponsive";
    /** A pair member is late to its probes but was kept (slow, not dead); the detail says what spoke against a failover. */
    public static final String SUSPECTED = "suspected";
    /** A member that was {@link #SUSPECTED} answers its probes again. */
    public static final String ANSWERS_AGAIN = "answers-again";
    /** A node missed its heartbeats while its agent's process runs: busy, not (yet) dead. */
    public static final String NODE_LATE = "node-late";
    public static final String STALE_INSTANCE_STOPPED = "stale-instance-stopped";
    /** The controller process exited on its own (a crash, a kill) and is being restarted; functions keep serving. */
    public static final String CONTROLLER_EXITED = "controller-exited";
    public static final String CONTROLLER_RESTARTED = "controller-restarted";
    /** A time trigger's firing answered with a 2xx; {@code detail} names the timer and the instant it was due. */
    public static final String TIMER_FIRED = "timer-fired";
    /** A time trigger's firing got no 2xx answer, or none at all. */
    public static final String TIMER_FAILED = "timer-failed";
    /** A time trigger's firing was skipped because its previous firing still ran. */
    public static final String TIMER_SKIPPED = "timer-skipped";
    /** A time trigger's firings were not sent because they were due more than a minute ago (the server was down). */
    public static final String TIMER_MISSED = "timer-missed";
    /** A message queue trigger gave a message up after its retries; {@code detail} names the trigger, the message and why. */
    public static final String MQT_DEAD_LETTERED = "mqt-dead-lettered";
    /** The server lost a NATS connection, or cannot reach NATS yet; what is stored waits in JetStream meanwhile. {@code detail} names what uses it. */
    public static final String NATS_DISCONNECTED = "nats-disconnected";
    /** The server connected, or reconnected, to NATS; {@code detail} names what uses the connection. */
    public static final String NATS_CONNECTED = "nats-connected";
    /** A message queue trigger could not set up its stream or consumer; it tries again. */
    public static final String MQT_FAILED = "mqt-failed";
    /** Written by the controller when it had to drop events because its store fell behind. */
    public static final String EVENTS_DROPPED = "events-dropped";

    /** An event not yet stored (seq 0). */
    public static ClusterEvent of(Instant at, String type, String function, String node, String instance, String detail) {
        return new ClusterEvent(0, at, type, function, node, instance, detail);
    }

    /** This event as stored under {@code seq}. */
    public ClusterEvent withSeq(long seq) {
        return new ClusterEvent(seq, at, type, function, node, instance, detail);
    }
}
