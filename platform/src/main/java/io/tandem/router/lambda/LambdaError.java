package io.tandem.router.lambda;

import io.vertx.core.json.JsonObject;

/**
 * An answer of the Lambda Invoke API in its error shapes. A {@link ServiceError} is the API refusing the call: its
 * HTTP status, the error's name in {@code X-Amzn-ErrorType} (which the SDKs turn into their exception classes) and
 * {@code {"Type": "User"|"Service", "message": ...}}. A {@link FunctionError} is the call having failed in the
 * function, which Lambda answers with 200, {@code X-Amz-Function-Error: Unhandled} and the error document
 * {@code {"errorType", "errorMessage"}} as the payload.
 */
public sealed interface LambdaError permits LambdaError.ServiceError, LambdaError.FunctionError {

    /** Refused by the API. {@code fault} is {@code User} (the caller can fix it) or {@code Service}. */
    record ServiceError(int status, String errorType, String fault, String message) implements LambdaError {
        public JsonObject body() {
            JsonObject body = new JsonObject().put("Type", fault).put("message", message);
            if (errorType.equals(TOO_MANY_REQUESTS)) body.put("retryAfterSeconds", "1");
            return body;
        }
    }

    /** Failed in the function (it timed out, or answered too much): the payload's error document. */
    record FunctionError(String errorType, String errorMessage) implements LambdaError {
        public JsonObject body() {
            return new JsonObject().put("errorType", errorType).put("errorMessage", errorMessage);
        }
    }

    String RESOURCE_NOT_FOUND = "ResourceNotFoundException";
    String TOO_MANY_REQUESTS = "TooManyRequestsException";
    String SERVICE = "ServiceException";
    String INVALID_PARAMETER = "InvalidParameterValueException";
    String INVALID_CONTENT = "InvalidRequestContentException";
    String TOO_LARGE = "RequestTooLargeException";
    String UNKNOWN_OPERATION = "UnknownOperationException";

    static ServiceError user(int status, String errorType, String message) {
        return new ServiceError(status, errorType, "User", message);
    }

    static ServiceError service(int status, String message) {
        return new ServiceError(status, SERVICE, "Service", message);
    }

    /**
     * The Lambda shape of an error the router answers on its own call path ({@code status}, {@code error},
     * {@code detail}, as {@code /function/<name>} would answer them). A timeout is the function's failure, as
     * Lambda reports a task that timed out; a call shed for lack of room is a throttle (429, which the SDKs
     * retry); an instance that cannot be had or reached is the service's fault (500, retried too).
     */
    static LambdaError ofRefusal(int status, String error, String detail) {
        String message = detail == null ? error : error + ": " + detail;
        return switch (status) {
            case 400 -> user(400, INVALID_CONTENT, message);
            case 404 -> user(404, RESOURCE_NOT_FOUND, message);
            case 413 -> user(413, TOO_LARGE, message);
            case 429 -> user(429, TOO_MANY_REQUESTS, message);
            case 503 -> "function overloaded".equals(error) ? user(429, TOO_MANY_REQUESTS, message) : service(500, message);
            case 504 -> new FunctionError("Sandbox.Timedout", "Task timed out: " + (detail == null ? error : detail));
            default -> service(500, message);
        };
    }
}
