package io.tandem.timer;

import java.util.concurrent.CompletableFuture;

/**
 * Sends a firing. Thread-safe; {@link #send} returns at once. The future completes with the HTTP status of the
 * function's answer, or exceptionally when no answer came (the router unreachable, a timeout).
 */
@FunctionalInterface
public interface FiringSender {
    CompletableFuture<Integer> send(Firing firing);
}
