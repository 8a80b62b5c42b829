package io.tandem.cli;

/** A command that could not do its work; the message is shown as it is and the command exits with the code. */
final class CommandFailedException extends RuntimeException {
    private final int exitCode;

    CommandFailedException(String message) {
        this(message, ExitCodes.FAILED);
    }

    CommandFailedException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
