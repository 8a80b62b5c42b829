package io.tandem.router;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A body (a request's, or a response's on its way back) that counts its bytes as they pass and fails with {@link TooLarge} once they exceed the limit,
 * so a chunked body is refused without holding it. Used on the request's event loop only.
 */
final class LimitedBody implements ReadStream<Buffer> {
    static final class TooLarge extends RuntimeException {
        TooLarge(long limit) {
            super("body is larger than " + limit + " bytes", null, false, false);
        }
    }

    private final ReadStream<Buffer> source;
    private final long limit;
    private long seen;
    private boolean exceeded;
    private Handler<Throwable> exceptionHandler;

    /** A {@code Content-Length} header's value, or -1 when it is not a number. */
    static long declaredLength(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    LimitedBody(ReadStream<Buffer> source, long limit) {
        this.source = source;
        this.limit = limit;
    }

    @Override
    public LimitedBody exceptionHandler(Handler<Throwable> handler) {
        exceptionHandler = handler;
        source.exceptionHandler(handler);
        return this;
    }

    @Override
    public LimitedBody handler(Handler<Buffer> handler) {
        source.handler(handler == null ? null : chunk -> {
            if (exceeded) return;
            seen += chunk.length();
            if (seen > limit) {
                exceeded = true;
                source.pause();
                if (exceptionHandler != null) exceptionHandler.handle(new TooLarge(limit));
                return;
            }
            handler.handle(chunk);
        });
        return this;
    }

    @Override
    public LimitedBody pause() {
        source.pause();
        return this;
    }

    @Override
    public LimitedBody resume() {
        if (!exceeded) source.resume();
        return this;
    }

    @Override
    public LimitedBody fetch(long amount) {
        if (!exceeded) source.fetch(amount);
        return this;
    }

    @Override
    public LimitedBody endHandler(Handler<Void> endHandler) {
        source.endHandler(endHandler == null ? null : v -> {
            if (!exceeded) endHandler.handle(v);
        });
        return this;
    }
}
