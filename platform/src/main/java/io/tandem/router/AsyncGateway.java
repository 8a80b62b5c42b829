package io.tandem.router;

import io.tandem.model.AsyncCall;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the router hands async calls: something that stores them durably and runs them later. Thread-safe; no
 * method blocks.
 */
public interface AsyncGateway {
    /** A call the gateway refuses as it is (a callback URL it will not call): 400 with the message. */
    final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Completes once {@code call} is stored, so that it runs even if the server stops now; fails with
     * {@link Refused} for a call it will not take, with anything else when it cannot store calls now (503).
     */
    CompletionStage<Void> accept(AsyncCall call);

    /** The call's state as a JSON object, or empty when no call has that id. */
    CompletionStage<Optional<String>> state(String id);

    /** Refuses every call: a router without async calls. */
    AsyncGateway NONE = new AsyncGateway() {
        @Override
        public CompletionStage<Void> accept(AsyncCall call) {
            return CompletableFuture.failedFuture(new IllegalStateException("async calls are not enabled on this router"));
        }

        @Override
        public CompletionStage<Optional<String>> state(String id) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
    };
}
