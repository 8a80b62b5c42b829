package io.tandem.controller;

/**
 * A refused API request: the HTTP status, what was wrong ({@code error}) and how to fix it ({@code detail}), sent
 * as {@code {"error": ..., "detail": ...}}. Thrown before anything is changed, or inside a store transaction, which
 * it then rolls back.
 */
final class ApiException extends RuntimeException {
    private final int status;
    private final String detail;

    ApiException(int status, String error, String detail) {
        super(error);
        this.status = status;
        this.detail = detail;
    }

    int status() {
        return status;
    }

    String error() {
        return getMessage();
    }

    String detail() {
        return detail;
    }

    static ApiException badRequest(String error, String detail) {
        return new ApiException(400, error, detail);
    }

    static ApiException notFound(String error, String detail) {
        return new ApiException(404, error, detail);
    }

    static ApiException conflict(String error, String detail) {
        return new ApiException(409, error, detail);
    }

    static ApiException unprocessable(String error, String detail) {
        return new ApiException(422, error, detail);
    }
}
