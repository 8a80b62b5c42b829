package io.tandem.model;

public record Environment(Metadata metadata, EnvironmentSpec spec) implements Resource {
    @Override
    @com.fasterxml.jackson.annotation.JsonIgnore
    public Kind kind() {
        return Kind.ENVIRONMENT;
    }
}
