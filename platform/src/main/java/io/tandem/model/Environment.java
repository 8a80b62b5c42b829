package io.tandem.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

public record Environment(Metadata metadata, EnvironmentSpec spec) implements Resource {
    @Override
    @JsonIgnore
    public Kind kind() {
        return Kind.ENVIRONMENT;
    }
}
