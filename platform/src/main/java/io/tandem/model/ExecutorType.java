package io.tandem.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

public enum ExecutorType {
    /** Warm generic instances per environment; the first call specializes one. */
    POOLMGR,
    /** {@code minScale}..{@code maxScale} specialized replicas per function, kept running. */
    NEWDEPLOY;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static ExecutorType fromWire(String text) {
        for (ExecutorType v : values()) {
            if (v.wireName().equalsIgnoreCase(text)) return v;
        }
        throw new InvalidResourceException(null, "unknown executor '" + text + "': use " + Arrays.stream(values()).map(ExecutorType::wireName).collect(Collectors.joining(", ")));
    }
}
