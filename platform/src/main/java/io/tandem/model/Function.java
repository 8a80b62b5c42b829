package io.tandem.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

public record Function(Metadata metadata, FunctionSpec spec) implements Resource {
    @Override
    @JsonIgnore
    public Kind kind() {
        return Kind.FUNCTION;
    }
}
