/**
 * The executor: places instances on nodes through their agents (warm pools in {@code pool}, per-function replicas in
 * {@code deploy}), detects dead nodes and instances, replaces what died and publishes endpoints to the router.
 */
package io.tandem.executor;
