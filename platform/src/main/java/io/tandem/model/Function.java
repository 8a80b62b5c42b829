package io.tandem.model;

public record Function(Metadata metadata, FunctionSpec spec) implements Resource {
    @Override
    @com.fasterxml.jackson.annotation.JsonIgnore
    public Kind kind() {
        return Kind.FUNCTION;
    }
}
