package io.tandem.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

public record TimeTrigger(Metadata metadata, TimeTriggerSpec spec) implements Resource {
    @Override
    @JsonIgnore
    public Kind kind() {
        return Kind.TIME_TRIGGER;
    }
}
