package io.tandem.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A function's fault-tolerance strategy; what each one does for a client is in docs/availability.md. */
public enum Strategy {
    RETRY, ACTIVE_STANDBY, REPLICATE, NONE;

    /** The spelling users write: {@code active-standby}. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @JsonCreator
    public static Strategy fromWire(String text) {
        return fromWire("spec.faultTolerance.strategy", text);
    }

    public static Strategy fromWire(String field, String text) {
        for (Strategy s : values()) {
            if (s.wireName().equals(text)) return s;
        }
        throw new InvalidResourceException(field, "unknown strategy '" + text + "': use retry, active-standby, replicate or none");
    }
}
