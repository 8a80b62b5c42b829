package io.tandem.cli;

/** What {@code tandem} exits with, so scripts can tell failures apart. */
final class ExitCodes {
    /** Done. */
    static final int OK = 0;
    /** The server refused the request, or the operation failed (the message says why). */
    static final int FAILED = 1;
    /** The command line itself was wrong (unknown option, missing argument). */
    static final int USAGE = 2;
    /** No server answers, or the machine lacks something Tandem needs. */
    static final int UNAVAILABLE = 3;

    private ExitCodes() {
    }
}
