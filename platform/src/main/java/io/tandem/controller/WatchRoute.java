package io.tandem.controller;

import io.tandem.controller.store.ResourceStore;
import io.tandem.model.Json;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /v1/watch[?since=REV]}: a chunked NDJSON stream of changes, one JSON object per line: the changes
 * logged after {@code since} (or, without it, every stored resource as ADDED), then live ones, with an empty line
 * as keep-alive. Lines are written on the request's event loop, in the order the store hands them over.
 */
final class WatchRoute {
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    /** A watcher whose unread output passes this is cut off, and resumes with {@code since}. */
    static final int MAX_BEHIND_BYTES = 16 << 20;

    private final Vertx vertx;
    private final ResourceStore store;
    private final Set<Runnable> enders = ConcurrentHashMap.newKeySet();

    WatchRoute(Vertx vertx, ResourceStore store) {
        this.vertx = vertx;
        this.store = store;
    }

    void register(Router router) {
        router.get("/v1/watch").handler(this::watch);
    }

    private void watch(RoutingContext ctx) {
        Optional<Long> since = since(ctx.request().getParam("since"));
        Context context = vertx.getOrCreateContext();
        Future.fromCompletionStage(store.submitRead(tx -> tx.revision()), context).onFailure(ctx::fail).onSuccess(revision -> {
            if (since.isPresent() && since.get() < revision - store.logRetention()) {
                Replies.error(ctx, new ApiException(410, "the change log no longer goes back to revision " + since.get(),
                        "list the resources again and watch without since (or with the list's revision)"));
                return;
            }
            if (since.isPresent() && since.get() > revision) {
                Replies.error(ctx, new ApiException(410, "since=" + since.get() + " is ahead of the store's revision " + revision,
                        "the store was reset or this is another server: list again and watch without since"));
                return;
            }
            new Watch(context, ctx.response()).start(since);
        });
    }

    /** One open watch; its fields are touched on its event loop only. */
    private final class Watch {
        private final Context context;
        private final HttpServerResponse resp;
        private final Runnable ender = this::endFromAnyThread;
        private boolean open = true;
        private long timer = -1;
        private Future<AutoCloseable> subscription;

        Watch(Context context, HttpServerResponse resp) {
            this.context = context;
            this.resp = resp;
        }

        void start(Optional<Long> since) {
            resp.setChunked(true).putHeader("Content-Type", "application/x-ndjson").putHeader("Cache-Control", "no-store");
            resp.setWriteQueueMaxSize(MAX_BEHIND_BYTES);
            resp.writeHead();
            resp.closeHandler(v -> finish());
            enders.add(ender);
            timer = vertx.setPeriodic(KEEP_ALIVE.toMillis(), id -> {
                if (open) resp.write("\n");
            });
            subscription = Future.fromCompletionStage(store.subscribe(since, change -> {
                Buffer line = Buffer.buffer(Json.writeBytes(change)).appendByte((byte) '\n');
                context.runOnContext(v -> send(line));
            }), context);
            subscription.onFailure(e -> {
                finish();
                resp.reset();
            });
        }

        private void send(Buffer line) {
            if (!open) return;
            if (resp.writeQueueFull()) {
                // Too far behind to buffer: cut it off; it resumes with since=<last revision it saw>.
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
            if (subscription != null) subscription.onSuccess(WatchRoute::closeQuietly);
        }
    }

    /** Ends every open watch, so that a stopping server need not wait for watchers to hang up. */
    void endAll() {
        enders.forEach(Runnable::run);
    }

    private static Optional<Long> since(String text) {
        if (text == null || text.isBlank()) return Optional.empty();
        try {
            long rev = Long.parseLong(text.trim());
            if (rev < 0) throw new NumberFormatException();
            return Optional.of(rev);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid since '" + text + "'", "give the revision of the last change you saw, a number from 0");
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
