package io.tandem.executor.standby;

/** One instance of a pair: where it runs and whether it can serve yet. */
public record Member(String instanceId, String node, boolean ready) {
}
