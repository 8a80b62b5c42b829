package io.tandem.runtime.lambda;

import java.util.concurrent.CompletableFuture;

/**
 * One call handed to the function's process through the Runtime API: its event and the headers Lambda sends with
 * it, and the outcome the process posts back. The outcome completes once; any thread may complete it.
 */
final class Invocation {
    /** What became of a call. */
    sealed interface Outcome {}

    /** {@code /response}: the function's result. */
    record Answered(byte[] body, String contentType) implements Outcome {}

    /** {@code /error}: the function failed, with Lambda's error document and type. */
    record FunctionError(byte[] body, String errorType) implements Outcome {}

    /** The function's process could not answer (it exited, timed out or failed to start). */
    record RuntimeFailure(int status, String error, String detail) implements Outcome {}

    private final String requestId;
    private final byte[] event;
    private final long deadlineEpochMillis;
    private final String functionArn;
    private final String traceId;
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

    Invocation(String requestId, byte[] event, long deadlineEpochMillis, String functionArn, String traceId) {
        this.requestId = requestId;
        this.event = event;
        this.deadlineEpochMillis = deadlineEpochMillis;
        this.functionArn = functionArn;
        this.traceId = traceId;
    }

    String requestId() {
        return requestId;
    }

    byte[] event() {
        return event;
    }

    long deadlineEpochMillis() {
        return deadlineEpochMillis;
    }

    String functionArn() {
        return functionArn;
    }

    String traceId() {
        return traceId;
    }

    CompletableFuture<Outcome> outcome() {
        return outcome;
    }

    /** Completes the call; false if it already had an outcome (a late answer after a timeout, say). */
    boolean complete(Outcome result) {
        return outcome.complete(result);
    }
}
