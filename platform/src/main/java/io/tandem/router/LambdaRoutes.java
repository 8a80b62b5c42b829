package io.tandem.router;

import io.tandem.model.AsyncCall;
import io.tandem.model.ChangeFeed;
import io.tandem.router.lambda.InvokeTarget;
import io.tandem.router.lambda.LambdaError;
import io.tandem.router.lambda.SignatureV4;
import io.tandem.router.strategy.ResendPolicy;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The Lambda Invoke API on the router's port, so that the AWS SDKs and CLI call Tandem functions with their endpoint
 * set to the router: {@code POST /2015-03-31/functions/<name>/invocations}, the body the event.
 *
 * <p>Each request is read whole (up to the router's body limit; its signature covers the body's hash), its AWS
 * Signature Version 4 checked with the API token as the secret ({@link SignatureV4}), its function looked up, then,
 * by {@code X-Amz-Invocation-Type}: {@code RequestResponse} goes down the router's call path like a
 * {@code POST /function/<name>} with the event as its body, answered in Lambda's shapes ({@link LambdaDialect});
 * {@code Event} is handed to the async gateway as {@code /async-function/<name>} is (202); {@code DryRun} answers
 * 204. Every refusal is in Lambda's error shape ({@link LambdaError}). Other paths under {@value #PREFIX} are
 * operations Tandem does not serve.
 *
 * <p>One per event loop, confined to it; gateway and log futures hop back onto the request's context.
 */
final class LambdaRoutes {
    static final String PREFIX = "/2015-03-31/";
    static final String FUNCTIONS = PREFIX + "functions/";
    static final String INVOCATIONS = "/invocations";
    /** The route label of Invoke calls in the request metrics. */
    static final String ROUTE = "/2015-03-31/functions/{name}/invocations";
    static final String SERVICE = "lambda";
    private static final String HOW_TO_SIGN = "; sign with the Tandem API token as the secret access key (the file TANDEM_HOME/token,"
            + " ~/.tandem/token by default: AWS_SECRET_ACCESS_KEY=$(cat ~/.tandem/token)) and any access key id";

    private final Vertx vertx;
    private final Routes routes;
    private final ChangeFeed feed;
    private final Supplier<LambdaApi> api;
    private final Supplier<AsyncGateway> gateway;
    private final IntConsumer unrouted;
    private final long maxBodyBytes;
    private final CallStage toFunction;

    LambdaRoutes(Vertx vertx, Routes routes, ChangeFeed feed, Supplier<LambdaApi> api, Supplier<AsyncGateway> gateway, IntConsumer unrouted,
                 long maxBodyBytes, CallStage toFunction) {
        this.vertx = vertx;
        this.routes = routes;
        this.feed = feed;
        this.api = api;
        this.gateway = gateway;
        this.unrouted = unrouted;
        this.maxBodyBytes = maxBodyBytes;
        this.toFunction = toFunction;
    }

    /** The parameters of one Invoke, read from its headers and path. */
    private record Invoke(InvokeTarget target, String type, boolean tail) {
    }

    /** Answers {@code req} when its path is the Lambda API's and the router serves it; false when it is not. */
    boolean serve(HttpServerRequest req) {
        if (!req.path().startsWith(PREFIX)) return false;
        LambdaApi settings = api.get();
        if (settings == null) return false;
        long arrived = System.nanoTime();
        String requestId = ForwardedHeaders.requestIdOf(req);
        if (req.method() != HttpMethod.POST || !req.path().startsWith(FUNCTIONS) || !req.path().endsWith(INVOCATIONS)
                || req.path().length() <= FUNCTIONS.length() + INVOCATIONS.length()
                || req.path().substring(FUNCTIONS.length(), req.path().length() - INVOCATIONS.length()).contains("/")) {
            refuse(req, LambdaError.user(404, LambdaError.UNKNOWN_OPERATION, req.method() + " " + req.path() + " is not an operation Tandem serves:"
                    + " its router serves Lambda's Invoke (POST /2015-03-31/functions/NAME/invocations); manage functions with tandem fn"), requestId);
            return true;
        }
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && LimitedBody.declaredLength(length) > maxBodyBytes) {
            refuse(req, LambdaError.user(413, LambdaError.TOO_LARGE, "the event has " + length.trim() + " bytes; the limit is " + maxBodyBytes), requestId);
            return true;
        }
        Buffer body = Buffer.buffer();
        LimitedBody limited = new LimitedBody(req, maxBodyBytes);
        limited.exceptionHandler(failure -> {
            if (failure instanceof LimitedBody.TooLarge) {
                refuse(req, LambdaError.user(413, LambdaError.TOO_LARGE, "the event is larger than " + maxBodyBytes + " bytes"), requestId);
            } else if (!req.response().ended()) {
                req.response().reset();
            }
        });
        limited.handler(body::appendBuffer);
        limited.endHandler(v -> {
            if (!req.response().ended()) received(req, body, settings, requestId, arrived);
        });
        req.resume();
        return true;
    }

    /** The whole request has arrived: checks its signature and parameters, then finds its function. */
    private void received(HttpServerRequest req, Buffer body, LambdaApi settings, String requestId, long arrived) {
        SignatureV4.Request signed = new SignatureV4.Request(req.method().name(), req.path(), req.query(), req.headers()::getAll, body.getBytes());
        if (SignatureV4.verify(signed, settings.secretAccessKey(), SERVICE, settings.clock().instant()) instanceof SignatureV4.Refused refused) {
            // The server's time, which the SDKs read to correct their clock's skew and sign again.
            req.response().putHeader(HttpHeaders.DATE, DateTimeFormatter.RFC_1123_DATE_TIME.format(settings.clock().instant().atZone(ZoneOffset.UTC)));
            String type = refused.errorType().equals("InvalidSignatureException") || refused.errorType().equals("MissingAuthenticationTokenException")
                    ? refused.errorType() : "IncompleteSignatureException";
            refuse(req, LambdaError.user(403, type, refused.message() + HOW_TO_SIGN), requestId);
            return;
        }
        Invoke invoke;
        try {
            invoke = parse(req);
        } catch (InvokeTarget.Invalid invalid) {
            refuse(req, invalid.error(), requestId);
            return;
        }
        Routes.FunctionRoute function = routes.function(invoke.target().function());
        if (function != null) {
            dispatch(req, invoke, function, body, settings, requestId, arrived);
            return;
        }
        // Asked once: each catch-up that is asked for reads the controller's revision anew.
        CompletableFuture<Void> caughtUp = feed.caughtUp();
        if (caughtUp.isDone()) {
            notFound(req, invoke, requestId);
        } else {
            // A function created a moment ago may not have reached this router yet: look again once the feed holds
            // what the controller had stored.
            Context context = vertx.getOrCreateContext();
            caughtUp.whenComplete((x, e) -> context.runOnContext(y -> {
                Routes.FunctionRoute late = routes.function(invoke.target().function());
                if (late == null) notFound(req, invoke, requestId);
                else dispatch(req, invoke, late, body, settings, requestId, arrived);
            }));
        }
    }

    private static Invoke parse(HttpServerRequest req) {
        String segment = req.path().substring(FUNCTIONS.length(), req.path().length() - INVOCATIONS.length());
        InvokeTarget target = InvokeTarget.parse(SignatureV4.decode(segment), req.getParam("Qualifier"));
        String type = req.getHeader("X-Amz-Invocation-Type");
        type = type == null || type.isBlank() ? "RequestResponse" : type.trim();
        if (!type.equals("RequestResponse") && !type.equals("Event") && !type.equals("DryRun")) {
            throw invalid("X-Amz-Invocation-Type '" + type + "' is not RequestResponse, Event or DryRun");
        }
        String logType = req.getHeader("X-Amz-Log-Type");
        logType = logType == null || logType.isBlank() ? "None" : logType.trim();
        if (!logType.equals("None") && !logType.equals("Tail")) throw invalid("X-Amz-Log-Type '" + logType + "' is not None or Tail");
        return new Invoke(target, type, logType.equals("Tail") && type.equals("RequestResponse"));
    }

    private static InvokeTarget.Invalid invalid(String message) {
        return new InvokeTarget.Invalid(LambdaError.user(400, LambdaError.INVALID_PARAMETER, message));
    }

    private void dispatch(HttpServerRequest req, Invoke invoke, Routes.FunctionRoute function, Buffer body, LambdaApi settings,
                          String requestId, long arrived) {
        switch (invoke.type()) {
            case "DryRun" -> {
                req.response().setStatusCode(204).putHeader(LambdaDialect.REQUEST_ID, requestId).end();
            }
            case "Event" -> queue(req, function, body, requestId);
            default -> {
                LambdaDialect dialect = new LambdaDialect(vertx, requestId, body, invoke.tail() ? settings.logs() : null, settings.clock().instant());
                toFunction.handle(new Call(req, new Target(function, "/", Map.of(), ROUTE), arrived, dialect));
            }
        }
    }

    /** {@code Event}: stores the call as {@code POST /async-function/<name>} does; 202 once it is stored. */
    private void queue(HttpServerRequest req, Routes.FunctionRoute function, Buffer body, String requestId) {
        if (body.length() > AsyncCall.MAX_BODY_BYTES) {
            refuse(req, LambdaError.user(413, LambdaError.TOO_LARGE, "an Event invocation's payload may have " + AsyncCall.MAX_BODY_BYTES
                    + " bytes; this one has " + body.length() + ": invoke it as RequestResponse instead"), requestId);
            return;
        }
        // The signature is the caller's credential for this API, not the function's business.
        Map<String, String> headers = AsyncRoutes.callHeaders(req, requestId, LambdaDialect.CREDENTIALS);
        AsyncCall call = new AsyncCall(AsyncCall.newId(), function.name(), "POST", "/", headers, body.getBytes(), null, Instant.now());
        Context context = vertx.getOrCreateContext();
        gateway.get().accept(call).whenComplete((stored, failure) -> context.runOnContext(x -> {
            if (failure == null) {
                req.response().setStatusCode(202).putHeader(LambdaDialect.REQUEST_ID, requestId).putHeader(AsyncRoutes.CALL_ID, call.id()).end();
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            req.response().putHeader(HttpHeaders.RETRY_AFTER, "5");
            refuse(req, new LambdaError.ServiceError(503, LambdaError.SERVICE, "Service", "cannot store the Event invocation: "
                    + ResendPolicy.messageOf(cause) + "; nothing was stored: send it again, or invoke it as RequestResponse"), requestId);
        }));
    }

    private void notFound(HttpServerRequest req, Invoke invoke, String requestId) {
        refuse(req, LambdaError.user(404, LambdaError.RESOURCE_NOT_FOUND, "Function not found: " + invoke.target().function()
                + " (no Tandem function has this name; see tandem fn list)"), requestId);
    }

    /** Answers an error the API makes before a call is routed, counted as unrouted. */
    private void refuse(HttpServerRequest req, LambdaError error, String requestId) {
        if (error instanceof LambdaError.ServiceError e) unrouted.accept(e.status());
        LambdaDialect.answer(req, error, requestId);
    }
}
