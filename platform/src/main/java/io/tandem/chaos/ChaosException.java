package io.tandem.chaos;

/** Chaos refused or could not finish: the message says what and how to fix it, ready to show to a user. */
public final class ChaosException extends RuntimeException {
    public ChaosException(String message) {
        super(message);
    }
}
