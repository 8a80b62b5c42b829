package io.tandem.runtime;

/** Why a function's code cannot be loaded; the message is shown to the user as it is, so it names the culprit. */
public final class LoadException extends Exception {
    public LoadException(String message) {
        super(message);
    }

    public LoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
