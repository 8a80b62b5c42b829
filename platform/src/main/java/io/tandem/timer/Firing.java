package io.tandem.timer;

import io.tandem.model.TimeTriggerSpec;
import java.time.Instant;

/** One firing of a timer: the request to send and the instant it was scheduled for (its identity). */
public record Firing(String trigger, Instant scheduled, TimeTriggerSpec spec) {
    /** Unique per timer and firing; sent as a header so a function can drop a firing it has seen. */
    public String id() {
        return trigger + "@" + scheduled;
    }
}
