package io.tandem.client;

/**
 * The server refused or failed a request; {@code error} and {@code detail} are its JSON error body. The client's name
 * for {@link io.tandem.http.ApiException}, which callers may catch instead.
 */
public final class ApiException extends io.tandem.http.ApiException {
    public ApiException(int status, String error, String detail) {
        super(status, error, detail);
    }
}
