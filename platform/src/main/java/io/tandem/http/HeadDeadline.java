package io.tandem.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes a connection whose client does not send a whole request head in time: within {@code head} of opening, and
 * within {@code keepAlive} of the last answer on it. A slow-header client ("slowloris") that trickles its headers a
 * byte at a time resets an idle timeout forever and holds a connection (and its share of the server's memory) for as
 * long as it likes; a deadline on the whole head does not move. A connection with a request in progress (a long
 * call, a streamed answer) is never cut by it.
 *
 * <p>The same connection handler admits each connection by its client's count ({@link ClientConnections}) first.
 * One over the cap is kept only to answer its first request with {@code 503}, {@code Retry-After: 1} and why, then
 * closed; it is closed unanswered if no head comes within {@link #REFUSAL_WINDOW} (or the head deadline, if
 * shorter). A client thus learns it holds too many connections, where a bare close looked like a crash.
 *
 * <p>Each connection keeps its deadline as a time and at most one timer, set for the deadline it knew when it was
 * set. A request and its answer only move the time; the timer, when it fires, closes the connection if the deadline
 * has passed with nothing in progress, else sets itself again for the deadline as it now is (or not at all while a
 * request is in progress: the answer sets it). A busy keep-alive connection thus costs no timer per request, only a
 * clock read per answer.
 *
 * <p>Threads: each connection's state is touched only on its own event loop (Vert.x calls the connection, request,
 * end and close handlers of one connection there, and timers set there fire there).
 */
public final class HeadDeadline {
    /** The head of a connection's first request must be complete this long after it opened. */
    public static final Duration DEFAULT_HEAD = Duration.ofSeconds(10);
    /** The next request's head must be complete this long after the last answer: the keep-alive window. */
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(75);

    /** How long a connection over its client's cap may take to send the head it is refused with an answer. */
    public static final Duration REFUSAL_WINDOW = Duration.ofSeconds(1);

    private HeadDeadline() {
    }

    /**
     * Server options the deadline works with: HTTP/1.1 without the h2c upgrade. With h2c on, Vert.x makes the
     * connection (and calls the connection handler that arms the deadline) only once it has read a whole request head,
     * to see whether it asks for the upgrade, so a client that never finishes its head is never seen.
     */
    public static HttpServerOptions options() {
        return new HttpServerOptions().setHttp2ClearTextEnabled(false);
    }

    /** One connection's deadline; owned by its event loop. */
    private static final class Guard {
        final Vertx vertx;
        final HttpConnection connection;
        /** When the connection is closed unless a request is in progress then ({@link System#nanoTime()}). */
        long deadline;
        long timer = -1;
        int inProgress;

        Guard(Vertx vertx, HttpConnection connection) {
            this.vertx = vertx;
            this.connection = connection;
        }

        /** Moves the deadline to {@code after} from now, and makes sure a timer will look at it. */
        void closeUnlessBusyIn(Duration after) {
            deadline = System.nanoTime() + after.toNanos();
            if (timer < 0) wakeAt(deadline);
        }

        void arrived() {
            inProgress++;
        }

        void answered(Duration keepAlive) {
            if (--inProgress == 0) closeUnlessBusyIn(keepAlive);
        }

        private void wakeAt(long at) {
            timer = vertx.setTimer(Math.max(1, Duration.ofNanos(at - System.nanoTime()).toMillis()), id -> {
                timer = -1;
                if (inProgress > 0) return; // the answer sets a timer again
                long now = System.nanoTime();
                if (now - deadline >= 0) connection.close();
                else wakeAt(deadline);
            });
        }

        void stop() {
            if (timer >= 0) vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /**
     * Installs the deadlines on {@code server} and returns the request handler to give it: {@code requests} wrapped so
     * that each request's arrival and answer move its connection's deadline.
     */
    public static Handler<HttpServerRequest> install(Vertx vertx, HttpServer server, Duration head, Duration keepAlive,
                                                     Handler<HttpServerRequest> requests) {
        return install(vertx, server, head, keepAlive, ClientConnections.unlimited(), requests);
    }

    /**
     * As {@link #install(Vertx, HttpServer, Duration, Duration, Handler)}, and closes at once each connection that
     * {@code clients} does not admit (its client holds the most connections it may).
     */
    public static Handler<HttpServerRequest> install(Vertx vertx, HttpServer server, Duration head, Duration keepAlive,
                                                     ClientConnections clients, Handler<HttpServerRequest> requests) {
        // Connections do not override equals: keyed by identity. Each entry is written and read on its own loop.
        Map<HttpConnection, Guard> guards = new ConcurrentHashMap<>();
        server.connectionHandler(connection -> {
            String client = connection.remoteAddress() == null ? "" : connection.remoteAddress().hostAddress();
            if (!clients.admit(client)) {
                long timer = vertx.setTimer(Math.max(1, Math.min(head.toMillis(), REFUSAL_WINDOW.toMillis())), id -> connection.close());
                connection.closeHandler(v -> vertx.cancelTimer(timer));
                return;
            }
            Guard guard = new Guard(vertx, connection);
            guards.put(connection, guard);
            guard.closeUnlessBusyIn(head);
            connection.closeHandler(v -> {
                guard.stop();
                guards.remove(connection);
                clients.release(client);
            });
        });
        return req -> {
            Guard guard = guards.get(req.connection());
            if (guard == null) {
                tooManyConnections(req, clients);
                return;
            }
            guard.arrived();
            req.response().endHandler(v -> guard.answered(keepAlive));
            requests.handle(req);
        };
    }

    /** Answers the first request of a connection over its client's cap, then closes the connection. */
    private static void tooManyConnections(HttpServerRequest req, ClientConnections clients) {
        String client = req.connection().remoteAddress() == null ? "this address" : req.connection().remoteAddress().hostAddress();
        String json = "{\"error\":\"too many connections\",\"detail\":\"" + client + " holds " + clients.perClient()
                + " connections open to this server, the most one address may: reuse connections (HTTP keep-alive) or close idle"
                + " ones, or have the server's cap raised (docs/security.md)\"}";
        req.response().setStatusCode(503)
                .putHeader("Retry-After", "1")
                .putHeader("Connection", "close")
                .putHeader("Content-Type", "application/json")
                .end(json)
                .onComplete(sent -> req.connection().close());
    }
}
