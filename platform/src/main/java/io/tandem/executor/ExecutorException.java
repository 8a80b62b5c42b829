package io.tandem.executor;

/** Why the executor cannot hand out an endpoint; the message is fit for a client's 5xx body. */
public final class ExecutorException extends RuntimeException {
    public ExecutorException(String message) {
        super(message, null, false, false);
    }
}
