package io.tandem.model;

public record HttpTrigger(Metadata metadata, HttpTriggerSpec spec) implements Resource {
    @Override
    @com.fasterxml.jackson.annotation.JsonIgnore
    public Kind kind() {
        return Kind.HTTP_TRIGGER;
    }
}
