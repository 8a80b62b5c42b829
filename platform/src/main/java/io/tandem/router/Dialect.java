package io.tandem.router;

import io.tandem.http.ErrorReply;
import io.tandem.model.Endpoint;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;

/**
 * How a call's answers are shaped for the API it came in through, on one call path: Tandem's own ({@link #TANDEM}:
 * the function's response as it is, the router's errors as {@code {"error", "detail"}}) or the Lambda Invoke API's
 * ({@link LambdaDialect}). The stages of the call path answer through it and nothing else. Confined to the call's
 * event loop.
 */
interface Dialect {
    /** The id the call goes out with ({@code X-Tandem-Request-Id}). */
    String requestId(HttpServerRequest req);

    /** The request's body when the API has already read it whole (to check a signature over it), else null. */
    default Buffer readBody() {
        return null;
    }

    /** Last changes to the headers going to the instance, after {@link ForwardedHeaders} made them. */
    default void adjust(MultiMap toInstance) {
    }

    /** Answers an error the router made itself ({@code status}, {@code error}, {@code detail} as Tandem words them). */
    void refuse(HttpServerRequest req, int status, String error, String detail);

    /**
     * Relays the function's response {@code resp}, from instance {@code answeredBy}, to the client; a body over
     * {@code limit} bytes is refused or cut. {@code done} runs once the response has ended either way.
     */
    void relay(HttpServerRequest req, HttpClientResponse resp, Endpoint answeredBy, String requestId, long limit, Runnable done);

    /** Tandem's own answers, as {@link Router} describes them. */
    Dialect TANDEM = new Dialect() {
        @Override
        public String requestId(HttpServerRequest req) {
            return ForwardedHeaders.requestIdOf(req);
        }

        @Override
        public void refuse(HttpServerRequest req, int status, String error, String detail) {
            ErrorReply.send(req, status, error, detail);
        }

        @Override
        public void relay(HttpServerRequest req, HttpClientResponse resp, Endpoint answeredBy, String requestId, long limit, Runnable done) {
            Relay.relayAsIs(req, resp, requestId, limit, done);
        }
    };
}
