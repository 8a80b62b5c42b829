/**
 * Prometheus metrics: one registry per process, its text on {@code /metrics}, and the label rules that keep series
 * bounded. Depends on nothing else of Tandem; the roles record into it.
 */
package io.tandem.metrics;
