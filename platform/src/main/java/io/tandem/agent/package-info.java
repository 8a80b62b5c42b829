/**
 * The node agent: one OS process per node that starts, specializes and stops instance processes, keeps their
 * logs, and streams their exits and its heartbeats to the executor.
 */
package io.tandem.agent;
