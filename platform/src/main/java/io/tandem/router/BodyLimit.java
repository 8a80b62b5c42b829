package io.tandem.router;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;

/**
 * Refuses a call whose declared {@code Content-Length} is not a number (400) or is over the router's body limit
 * (413), before an instance is chosen. A chunked body is counted as it streams, further down the path.
 */
final class BodyLimit implements CallStage {
    private final long maxBodyBytes;
    private final CallStage next;

    BodyLimit(long maxBodyBytes, CallStage next) {
        this.maxBodyBytes = maxBodyBytes;
        this.next = next;
    }

    @Override
    public Future<Answer> handle(Call call) {
        long length;
        try {
            String header = call.req().getHeader(HttpHeaders.CONTENT_LENGTH);
            length = header == null ? -1 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return refuse(call, 400, "bad request", "Content-Length is not a number");
        }
        if (length > maxBodyBytes) {
            return refuse(call, 413, "request body too large", "the body has " + length + " bytes; the limit is " + maxBodyBytes);
        }
        return next.handle(call);
    }

    private static Future<Answer> refuse(Call call, int status, String error, String detail) {
        call.dialect().refuse(call.req(), status, error, detail);
        return Future.succeededFuture(Answer.refused(status));
    }
}
