package io.tandem.http;

/**
 * A refused or failed HTTP request as every role answers it and every client reads it: the status, what was wrong
 * ({@code error}) and how to fix it ({@code detail}, may be null), sent as {@code {"error": ..., "detail": ...}} by
 * {@link ErrorReply}. A server throws it before anything is changed, or inside a store transaction, which it then
 * rolls back; a client throws it with the body the server sent.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String error;
    private final String detail;

    public ApiException(int status, String error, String detail) {
        super(new ErrorBody(error, detail).describe());
        this.status = status;
        this.error = error;
        this.detail = detail;
    }

    public final int status() {
        return status;
    }

    public final String error() {
        return error;
    }

    public final String detail() {
        return detail;
    }

    public static ApiException badRequest(String error, String detail) {
        return new ApiException(400, error, detail);
    }

    public static ApiException notFound(String error, String detail) {
        return new ApiException(404, error, detail);
    }

    public static ApiException conflict(String error, String detail) {
        return new ApiException(409, error, detail);
    }

    public static ApiException unprocessable(String error, String detail) {
        return new ApiException(422, error, detail);
    }
}
