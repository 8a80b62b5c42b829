package io.tandem.executor.standby;

/** One step toward a healthy pair. */
public sealed interface Action {
    /** Make {@code instanceId} (the standby) the active at {@code epoch}; tell the router before anything else. */
    record Promote(String instanceId, long epoch) implements Action {
    }

    /** Start an instance of the function on {@code node}, to become {@code role}. */
    record Launch(Role role, String node) implements Action {
    }

    /** Nothing can be done now: say why (no live node, backing off a crash loop). */
    record Wait(String why) implements Action {
    }

    enum Role { ACTIVE, STANDBY }
}
