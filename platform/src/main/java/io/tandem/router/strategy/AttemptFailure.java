package io.tandem.router.strategy;

/** Why one attempt, or a whole request, failed. Strategies decide on {@link #kind()} alone. */
public final class AttemptFailure extends RuntimeException {
    public enum Kind {
        /** The connection was refused or failed before a byte was sent: always safe to send again. */
        DIAL_REFUSED,
        /**
         * Connecting timed out before a byte was sent: always safe to send again. A slow instance whose accept
         * queue is full causes it as well as a dead one, so it is a suspicion, reported for the executor to confirm.
         */
        DIAL_TIMEOUT,
        /**
         * No connection to the instance freed up in the router's pool in time: the router itself holds as many
         * calls to it as it may. Nothing was sent, nothing is wrong with the instance; the call is shed (503).
         */
        OVERLOADED,
        /**
         * The connection broke after the request was (partly) sent and before the response head came. Safe to
         * send again only when {@link #replayable()}: the request has no body (or a fully buffered one) and the
         * function is idempotent, since the function may already have run.
         */
        CONNECTION_LOST,
        /**
         * The instance answered 503 with {@code X-Tandem-Fenced: true}: it holds no lease for the epoch the router
         * sent, so the request never reached the function: always safe to send again, to another endpoint.
         */
        FENCED,
        /** The executor could not provide an endpoint; the message is its own. */
        UNAVAILABLE,
        /** The function's timeout passed before its response head came. */
        TIMED_OUT,
        /** The request body went over the router's limit while streaming. */
        BODY_TOO_LARGE,
        /** The client went away. */
        CLIENT_GONE
    }

    private final Kind kind;
    private final boolean replayable;

    public AttemptFailure(Kind kind, String message, boolean replayable, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
        this.replayable = replayable;
    }

    public AttemptFailure(Kind kind, String message) {
        this(kind, message, false, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The request can be sent again unchanged (see {@link Kind#CONNECTION_LOST}). */
    public boolean replayable() {
        return replayable;
    }

    /** True for failures that happened before the request could have reached the function. */
    public boolean neverSent() {
        return kind == Kind.DIAL_REFUSED || kind == Kind.DIAL_TIMEOUT || kind == Kind.FENCED;
    }

    /** The endpoint cannot serve this request: it cannot be reached, its connection broke, or it is fenced. */
    public boolean endpointLost() {
        return neverSent() || kind == Kind.CONNECTION_LOST;
    }

    /**
     * A failure that a slow but living instance can cause as well as a dead one (a connect timeout, a connection
     * lost before the response): reported as a suspicion, which the executor confirms before it replaces anything.
     */
    public boolean suspicion() {
        return kind == Kind.DIAL_TIMEOUT || kind == Kind.CONNECTION_LOST;
    }

    /** The request can go to another endpoint without the risk of running the function twice unasked. */
    public boolean resendable() {
        return neverSent() || (kind == Kind.CONNECTION_LOST && replayable);
    }
}
