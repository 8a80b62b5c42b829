package io.tandem.agent;

/** A refusal's JSON body as a client reads it: {@code {"error": ..., "detail": ...}}, the shape {@link io.tandem.http.ErrorReply} sends. */
public record ApiError(String error, String detail) {
}
