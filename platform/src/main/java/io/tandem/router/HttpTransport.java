package io.tandem.router;

import io.tandem.model.Endpoint;
import io.tandem.router.strategy.Attempt;
import io.tandem.router.strategy.AttemptFailure;
import io.tandem.router.strategy.ResendPolicy;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;

/**
 * Sends one attempt of a request to one endpoint over its event loop's HTTP client, and tells how it failed
 * ({@link ResendPolicy}). Every attempt to an endpoint with an epoch carries it in {@value #EPOCH}; a 503 carrying
 * {@value #FENCED}{@code : true} is not the function's answer but a {@link AttemptFailure.Kind#FENCED} failure.
 * Confined to its event loop, as its client is.
 */
final class HttpTransport {
    static final String EPOCH = "X-Tandem-Epoch";
    static final String FENCED = "X-Tandem-Fenced";

    private final HttpClient client;
    /** How long a send waits for a pooled connection to its instance. */
    private final Duration poolWait;

    HttpTransport(HttpClient client, Duration poolWait) {
        this.client = client;
        this.poolWait = poolWait;
    }

    /** What an attempt sends, and what it asks of the request it belongs to. Called on the request's event loop. */
    interface Outgoing {
        HttpMethod method();

        /** The path and query the instance sees. */
        String uri();

        /** Adds the headers to forward, the same for every attempt, to {@code into}, which holds none yet. */
        void addHeaders(MultiMap into);

        /** True once the request has ended (answered, timed out, the client gone): a late connection is given up. */
        boolean ended();

        /** Why the request ended. */
        AttemptFailure endedBy();

        /** Sends the body on {@code request} and ends it. */
        void writeBody(HttpClientRequest request);

        /** The failure of an attempt whose connection broke after sending: whether the request may go again. */
        AttemptFailure lost(Endpoint endpoint, Throwable cause);
    }

    /** One attempt; {@link #cancel()} resets its request, now or as soon as it has a connection. */
    static final class Exchange implements Attempt<HttpClientResponse> {
        final Endpoint endpoint;
        private Future<HttpClientResponse> response;
        private HttpClientRequest request;
        private boolean cancelled;
        private long startedAt;
        private long answeredAt;

        Exchange(Endpoint endpoint) {
            this.endpoint = endpoint;
        }

        /** An attempt that fails at once with {@code failure}, never sent. */
        static Exchange failed(Endpoint endpoint, AttemptFailure failure) {
            Exchange x = new Exchange(endpoint);
            x.response = Future.failedFuture(failure);
            return x;
        }

        @Override
        public Future<HttpClientResponse> response() {
            return response;
        }

        @Override
        public void cancel() {
            cancelled = true;
            if (request != null) request.reset();
        }

        /** Resets the request, if it has a connection, with {@code failure}. */
        void abort(Throwable failure) {
            if (request != null) request.reset(0, failure);
        }

        /** Whether {@code answer} is this attempt's response. */
        boolean gave(HttpClientResponse answer) {
            return request != null && request == answer.request();
        }

        /** Nanoseconds from this attempt's start to its response head; -1 before one came. */
        long headNanos() {
            return answeredAt == 0 ? -1 : answeredAt - startedAt;
        }
    }

    /** Starts {@code exchange}: connects, sends the request, and completes its response with the head or a failure. */
    void send(Exchange exchange, Outgoing out) {
        Endpoint endpoint = exchange.endpoint;
        exchange.startedAt = System.nanoTime();
        exchange.response = client.request(options(endpoint, out)).transform(connected -> {
            if (connected.failed()) return Future.failedFuture(ResendPolicy.dialFailed(endpoint.authority(), connected.cause(), poolWait));
            HttpClientRequest request = connected.result();
            if (out.ended() || exchange.cancelled) {
                request.reset();
                return Future.failedFuture(out.endedBy());
            }
            exchange.request = request;
            addHeaders(endpoint, out, request.headers());
            request.exceptionHandler(failure -> { }); // failures reach the strategy through response()
            out.writeBody(request);
            return request.response().transform(head -> {
                exchange.answeredAt = System.nanoTime();
                if (head.succeeded()) return unlessFenced(endpoint, head.result());
                return Future.failedFuture(head.cause() instanceof AttemptFailure f ? f : out.lost(endpoint, head.cause()));
            });
        });
    }

    private RequestOptions options(Endpoint endpoint, Outgoing out) {
        return new RequestOptions()
                .setMethod(out.method())
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setURI(out.uri())
                // Bounds the wait for a pooled connection too; the TCP connect itself is bounded by the client's
                // connectTimeout (see ServerVerticle), so the two failures can be told apart.
                .setConnectTimeout(poolWait.toMillis());
    }

    /**
     * The forwarded headers, plus the endpoint's epoch when it has one, written straight into the request that has
     * a connection: each header is copied once, and sends to endpoints of different epochs each carry their own.
     */
    private static void addHeaders(Endpoint endpoint, Outgoing out, MultiMap into) {
        out.addHeaders(into);
        if (endpoint.epoch() > 0) into.set(EPOCH, Long.toString(endpoint.epoch()));
    }

    /**
     * The response, paused until relayed (a strategy may hold it while other sends run, and cancel it), or a
     * fenced failure.
     */
    private static Future<HttpClientResponse> unlessFenced(Endpoint endpoint, HttpClientResponse response) {
        response.pause();
        response.exceptionHandler(failure -> { }); // a cancel resets it; the relay sets its own handler
        if (response.statusCode() != 503 || !"true".equalsIgnoreCase(response.getHeader(FENCED))) {
            return Future.succeededFuture(response);
        }
        response.request().reset();
        return Future.failedFuture(new AttemptFailure(AttemptFailure.Kind.FENCED, endpoint.authority() + " (epoch " + endpoint.epoch()
                + ") is fenced: it is not its function's active instance for that epoch"));
    }
}
