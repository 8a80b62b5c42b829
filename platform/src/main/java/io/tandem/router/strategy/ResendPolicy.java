package io.tandem.router.strategy;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * Which failed sends may go again: turns a transport's failure into the {@link AttemptFailure} that the strategies
 * decide on. A send that never got a connection can always go again, since nothing reached the function; one whose
 * connection broke after sending may go again only when the function is idempotent and its body was kept (or it
 * had none): the function may already have run, and a streamed body is gone. Stateless.
 */
public final class ResendPolicy {
    private ResendPolicy() {
    }

    /**
     * No connection to {@code authority}: refused or timed out connecting (re-sendable), or no pooled connection
     * freed up within {@code poolWait}, which sheds the call ({@link AttemptFailure.Kind#OVERLOADED}).
     */
    public static AttemptFailure dialFailed(String authority, Throwable cause, Duration poolWait) {
        if (isPoolWait(cause)) {
            return new AttemptFailure(AttemptFailure.Kind.OVERLOADED, "the router already holds as many calls to " + authority
                    + " as it may, and none ended within " + poolWait.toMillis() + " ms", false, cause);
        }
        AttemptFailure.Kind kind = isTimeout(cause) ? AttemptFailure.Kind.DIAL_TIMEOUT : AttemptFailure.Kind.DIAL_REFUSED;
        return new AttemptFailure(kind, "cannot connect to " + authority + ": " + messageOf(cause), true, cause);
    }

    /**
     * The connection to {@code authority} broke before the response head: re-sendable only when {@code function}
     * is idempotent and the body was kept; otherwise the message says why the request was not sent again.
     */
    public static AttemptFailure connectionLost(String authority, Throwable cause, String function, boolean idempotent, boolean bodyKept) {
        String lost = "connection to " + authority + " lost before a response: " + messageOf(cause);
        if (idempotent && bodyKept) return new AttemptFailure(AttemptFailure.Kind.CONNECTION_LOST, lost, true, cause);
        String why = !idempotent ? "function '" + function + "' is not idempotent" : "its body was streamed, not kept";
        return new AttemptFailure(AttemptFailure.Kind.CONNECTION_LOST, lost + "; the request may have run on that instance and was not"
                + " re-sent because " + why, false, cause);
    }

    /** Vert.x's failure when no pooled connection came within the request's connect timeout. */
    static boolean isPoolWait(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains("when getting a connection")) return true;
        }
        return false;
    }

    private static boolean isTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TimeoutException || c.getClass().getSimpleName().contains("Timeout")) return true;
            if (c.getMessage() != null && c.getMessage().toLowerCase(Locale.ROOT).contains("timed out")) return true;
        }
        return false;
    }

    /** The message of {@code t} as a failure quotes it: its cause's when it merely wraps one, else its class name. */
    public static String messageOf(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
}
