package io.tandem.router;

import io.tandem.http.ErrorReply;
import io.tandem.model.AsyncCall;
import io.tandem.router.strategy.ResendPolicy;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The async API on the router's port: {@code METHOD /async-function/<name>[/<rest>]} takes a call for later, and
 * {@code GET /async-calls/<id>} tells its state, both through the {@link AsyncGateway} the process set (none refuses
 * every call). One per event loop, confined to it; the gateway's futures hop back onto the request's context.
 */
final class AsyncRoutes {
    static final String ASYNC_PREFIX = "/async-function/";
    static final String ASYNC_CALLS = "/async-calls/";
    static final String CALLBACK_URL = "X-Callback-Url";
    static final String CALL_ID = "X-Call-Id";

    private final Vertx vertx;
    private final Routes routes;
    private final Supplier<AsyncGateway> gateway;
    /** Counts an answer made before any function was chosen, by status code. */
    private final IntConsumer unrouted;

    AsyncRoutes(Vertx vertx, Routes routes, Supplier<AsyncGateway> gateway, IntConsumer unrouted) {
        this.vertx = vertx;
        this.routes = routes;
        this.gateway = gateway;
        this.unrouted = unrouted;
    }

    /** Answers {@code req} when its path is the async API's; false when it is not. */
    boolean serve(HttpServerRequest req) {
        if (req.path().startsWith(ASYNC_PREFIX)) {
            accept(req);
            return true;
        }
        if (req.path().startsWith(ASYNC_CALLS)) {
            state(req);
            return true;
        }
        return false;
    }

    /**
     * {@code METHOD /async-function/<name>[/<rest>]}: reads the body (at most {@value AsyncCall#MAX_BODY_BYTES} bytes),
     * hands the call to the async gateway and answers 202 with its id once it is stored, or why it could not be.
     * The function must exist now; it runs later, through this router, as {@code METHOD /function/<name>[/<rest>]}.
     */
    private void accept(HttpServerRequest req) {
        String rest = req.path().substring(ASYNC_PREFIX.length());
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        String path = (slash < 0 ? "/" : rest.substring(slash)) + (req.query() == null ? "" : "?" + req.query());
        if (!(routes.resolve(req.method().name(), "/function/" + rest, null) instanceof Routes.Found)) {
            unrouted.accept(404);
            ErrorReply.send(req, 404, "function not found", "no function named '" + name + "'; see tandem fn list");
            return;
        }
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && LimitedBody.declaredLength(length) > AsyncCall.MAX_BODY_BYTES) {
            ErrorReply.send(req, 413, "request body too large", "an async call's body may have " + AsyncCall.MAX_BODY_BYTES
                    + " bytes; this one has " + length.trim() + ": call /function/" + name + " at once instead (6 MB)");
            return;
        }
        Map<String, String> headers = callHeaders(req, ForwardedHeaders.requestIdOf(req), List.of());
        String callback = req.getHeader(CALLBACK_URL);
        Buffer body = Buffer.buffer();
        LimitedBody limited = new LimitedBody(req, AsyncCall.MAX_BODY_BYTES);
        Context context = vertx.getOrCreateContext();
        limited.exceptionHandler(failure -> {
            if (failure instanceof LimitedBody.TooLarge) {
                ErrorReply.send(req, 413, "request body too large", "an async call's body may have " + AsyncCall.MAX_BODY_BYTES + " bytes");
            } else if (!req.response().ended()) {
                req.response().reset();
            }
        });
        limited.handler(body::appendBuffer);
        limited.endHandler(v -> {
            if (req.response().ended()) return;
            AsyncCall call = new AsyncCall(AsyncCall.newId(), name, req.method().name(), path, headers, body.getBytes(),
                    callback == null || callback.isBlank() ? null : callback.trim(), Instant.now());
            gateway.get().accept(call).whenComplete((stored, failure) -> context.runOnContext(x -> accepted(req, call, failure)));
        });
        req.resume();
    }

    /**
     * The headers a stored call is sent with later, as the router would forward them now with {@code requestId},
     * less the callback, the length and the headers named in {@code dropped} (any case).
     */
    static Map<String, String> callHeaders(HttpServerRequest req, String requestId, List<String> dropped) {
        Map<String, String> headers = new LinkedHashMap<>();
        ForwardedHeaders.requestHeaders(req, requestId, Map.of()).forEach(h -> {
            String name = h.getKey();
            if (!name.equalsIgnoreCase(CALLBACK_URL) && !name.equalsIgnoreCase(HttpHeaders.CONTENT_LENGTH.toString())
                    && dropped.stream().noneMatch(name::equalsIgnoreCase)) {
                headers.merge(name, h.getValue(), (a, b) -> a + ", " + b);
            }
        });
        return headers;
    }

    /** Answers 202 with the stored call, or why the gateway did not store it ({@code failure} non-null). */
    private static void accepted(HttpServerRequest req, AsyncCall call, Throwable failure) {
        if (failure == null) {
            JsonObject queued = new JsonObject().put("callId", call.id()).put("function", call.function()).put("state", "queued")
                    .put("status", ASYNC_CALLS + call.id());
            req.response().setStatusCode(202).putHeader(CALL_ID, call.id()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(queued.toBuffer());
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof AsyncGateway.Refused refused) {
            ErrorReply.send(req, 400, "callback refused", refused.getMessage());
        } else {
            req.response().putHeader(HttpHeaders.RETRY_AFTER, "5");
            ErrorReply.send(req, 503, "cannot store the async call", ResendPolicy.messageOf(cause)
                    + "; nothing was stored: send it again, or call /function/" + call.function() + " at once");
        }
    }

    /** {@code GET /async-calls/<id>}: the call's state, as the gateway keeps it. */
    private void state(HttpServerRequest req) {
        String id = req.path().substring(ASYNC_CALLS.length());
        if (req.method() != HttpMethod.GET) {
            ErrorReply.send(req, 405, "method not allowed", "GET /async-calls/<id>");
            return;
        }
        if (!AsyncCall.isId(id)) {
            ErrorReply.send(req, 404, "no such call", "'" + id + "' is not a call id");
            return;
        }
        Context context = vertx.getOrCreateContext();
        gateway.get().state(id).whenComplete((state, failure) -> context.runOnContext(x -> {
            if (failure != null) {
                req.response().putHeader(HttpHeaders.RETRY_AFTER, "5");
                ErrorReply.send(req, 503, "cannot read the async call", ResendPolicy.messageOf(failure));
            } else if (state.isEmpty()) {
                ErrorReply.send(req, 404, "no such call", "no async call has id " + id + " (calls are kept 7 days)");
            } else {
                req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(state.get());
            }
        }));
    }
}
