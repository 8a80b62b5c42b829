/**
 * Failure injection for local clusters: SIGKILL an instance or a whole node, SIGSTOP a node for a while. Used by
 * {@code tandem chaos} and by the failover benchmark.
 */
package io.tandem.chaos;
