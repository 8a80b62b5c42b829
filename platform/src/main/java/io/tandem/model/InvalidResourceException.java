package io.tandem.model;

/** A resource that breaks a rule; {@code field} is its dotted path, such as {@code spec.faultTolerance.strategy}. */
public final class InvalidResourceException extends RuntimeException {
    private final String field;

    public InvalidResourceException(String field, String message) {
        super(field == null ? message : field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
