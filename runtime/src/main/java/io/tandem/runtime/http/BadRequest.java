package io.tandem.runtime.http;

import java.io.IOException;

/** A request the server refuses before any handler sees it: answered with {@link #status()}, then the connection closes. */
final class BadRequest extends IOException {
    private final int status;

    BadRequest(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
