/**
 * Message queue triggers: in the server process, one NATS connection and per {@link io.tandem.model.MessageQueueTrigger}
 * a durable JetStream pull consumer whose messages are sent to the function through the router (so its
 * fault-tolerance strategy applies), acknowledged once answered, retried with back-off, and dead-lettered when they
 * keep failing.
 */
package io.tandem.mqt;
