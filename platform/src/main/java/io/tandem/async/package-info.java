/**
 * Async invocation: a call accepted at once and stored in NATS JetStream, run through the router with retries,
 * and its result posted to the caller's callback URL.
 */
package io.tandem.async;
