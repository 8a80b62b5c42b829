package io.tandem.client;

/** The server refused or failed a request; {@code error} and {@code detail} are its JSON error body. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String error;
    private final String detail;

    public ApiException(int status, String error, String detail) {
        super(detail == null || detail.isBlank() ? error : error + ": " + detail);
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
