package io.tandem.agent;

/** A refusal of the agent's API, with the HTTP status and the JSON {@code error} and {@code detail} it answers. */
public final class AgentException extends RuntimeException {
    private final int status;
    private final String error;
    private final String detail;

    public AgentException(int status, String error, String detail) {
        super(error + (detail == null || detail.isBlank() ? "" : ": " + detail));
        this.status = status;
        this.error = error;
        this.detail = detail;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String detail() {
        return detail;
    }
}
