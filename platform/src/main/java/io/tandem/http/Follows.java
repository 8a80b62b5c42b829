package io.tandem.http;

import io.tandem.model.Json;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The open follows of one streaming route: each a chunked NDJSON response that gets a backlog, then each line its
 * source hands over, with an empty line as keep-alive. A follower whose unread output passes {@code maxBehindBytes}
 * is cut off (its connection reset) and resumes from the last line it saw.
 *
 * <p>Threads: a follow's state is touched on the event loop that started it only; its source may hand lines over
 * from any thread, and they are written in that order. {@link #endAll()} may be called from any thread.
 */
public final class Follows {
    private final Vertx vertx;
    private final Duration keepAlive;
    private final int maxBehindBytes;
    private final Set<Runnable> enders = ConcurrentHashMap.newKeySet();

    public Follows(Vertx vertx, Duration keepAlive, int maxBehindBytes) {
        this.vertx = vertx;
        this.keepAlive = keepAlive;
        this.maxBehindBytes = maxBehindBytes;
    }

    /** One value as an NDJSON line. */
    public static Buffer line(Object value) {
        return Buffer.buffer(Json.writeBytes(value)).appendByte((byte) '\n');
    }

    /**
     * Starts following on {@code resp}, on the current event loop: writes the head and the backlog, then subscribes
     * with a sink for lines; the subscription is closed when the follow ends. A failed subscription resets the response.
     */
    public void start(HttpServerResponse resp, List<Buffer> backlog, Function<Consumer<Buffer>, CompletionStage<AutoCloseable>> subscribe) {
        new Follow(vertx.getOrCreateContext(), resp).start(backlog, subscribe);
    }

    /** Ends every open follow, so that a stopping server need not wait for followers to hang up. */
    public void endAll() {
        enders.forEach(Runnable::run);
    }

    /** One open follow; its fields are touched on its event loop only. */
    private final class Follow {
        private final Context context;
        private final HttpServerResponse resp;
        private final Runnable ender = this::endFromAnyThread;
        private boolean open = true;
        private long timer = -1;
        private Future<AutoCloseable> subscription;

        Follow(Context context, HttpServerResponse resp) {
            this.context = context;
            this.resp = resp;
        }

        void start(List<Buffer> backlog, Function<Consumer<Buffer>, CompletionStage<AutoCloseable>> subscribe) {
            resp.setChunked(true).putHeader("Content-Type", "application/x-ndjson").putHeader("Cache-Control", "no-store");
            resp.setWriteQueueMaxSize(maxBehindBytes);
            resp.writeHead();
            resp.closeHandler(v -> finish());
            enders.add(ender);
            backlog.forEach(this::send);
            timer = vertx.setPeriodic(keepAlive.toMillis(), id -> {
                if (open) resp.write("\n");
            });
            subscription = Future.fromCompletionStage(subscribe.apply(line -> context.runOnContext(v -> send(line))), context);
            subscription.onFailure(e -> {
                finish();
                resp.reset();
            });
        }

        private void send(Buffer line) {
            if (!open) return;
            if (resp.writeQueueFull()) {
                // Too far behind to buffer: cut it off; it resumes from the last line it saw.
                finish();
                resp.reset();
                return;
            }
            resp.write(line);
        }

        private void endFromAnyThread() {
            context.runOnContext(v -> {
                if (!open) return;
                finish();
                resp.end();
            });
        }

        private void finish() {
            if (!open) return;
            open = false;
            enders.remove(ender);
            vertx.cancelTimer(timer);
            if (subscription != null) subscription.onSuccess(Follows::closeQuietly);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a subscription only stops its thread
        }
    }
}
