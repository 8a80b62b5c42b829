/**
 * The data plane: HTTP triggers and {@code /function/<name>} proxied, streamed, to function instances, with each
 * function's fault-tolerance strategy; warm requests never wait for the executor.
 */
package io.tandem.router;
