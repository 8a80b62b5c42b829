package io.tandem.client;

/** No server answers at the address the client was given. */
public final class ServerUnreachableException extends RuntimeException {
    public ServerUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
