package io.tandem.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

public record HttpTrigger(Metadata metadata, HttpTriggerSpec spec) implements Resource {
    @Override
    @JsonIgnore
    public Kind kind() {
        return Kind.HTTP_TRIGGER;
    }
}
