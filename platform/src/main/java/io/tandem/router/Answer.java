package io.tandem.router;

import io.vertx.core.Future;
import java.util.OptionalLong;

/**
 * How a call was answered: its {@code status} ({@value #CLIENT_CLOSED} when the client left first), what its
 * sends to the function measured ({@code sent}, null when it was refused before any), and {@code ended}, which
 * completes once the response has ended either way, when the call's resources may be given back.
 */
record Answer(int status, Sent sent, Future<Void> ended) {
    /** The status label of a call whose client closed the connection before an answer (nginx's convention). */
    static final int CLIENT_CLOSED = 499;

    /** An answer the router made itself before sending the call anywhere; nothing is left running. */
    static Answer refused(int status) {
        return new Answer(status, null, Future.succeededFuture());
    }

    /**
     * What the sends of a call measured: how many times it was sent (replicas sent together count once), the
     * nanoseconds from the start of the send that answered to its response head (empty when none answered), and the
     * nanoseconds it waited for the executor to provide an instance.
     */
    record Sent(int attempts, OptionalLong functionNanos, long coldWaitNanos) {
    }
}
