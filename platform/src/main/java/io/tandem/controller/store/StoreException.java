package io.tandem.controller.store;

/** A failure of the database itself (disk full, damaged file), not of the caller's input. */
public final class StoreException extends RuntimeException {
    StoreException(String message, Throwable cause) {
        super(message + ": " + cause.getMessage(), cause);
    }
}
