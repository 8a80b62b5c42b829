package io.tandem.controller;

import io.tandem.controller.store.ResourceStore;
import io.tandem.http.ApiException;
import io.tandem.http.ErrorReply;
import io.tandem.http.Follows;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
    private final Follows follows;

    WatchRoute(Vertx vertx, ResourceStore store) {
        this.vertx = vertx;
        this.store = store;
        this.follows = new Follows(vertx, KEEP_ALIVE, MAX_BEHIND_BYTES);
    }

    void register(Router router) {
        router.get("/v1/watch").handler(this::watch);
    }

    private void watch(RoutingContext ctx) {
        Optional<Long> since = since(ctx.request().getParam("since"));
        Context context = vertx.getOrCreateContext();
        Future.fromCompletionStage(store.submitRead(tx -> tx.revision()), context).onFailure(ctx::fail).onSuccess(revision -> {
            if (since.isPresent() && since.get() < revision - store.logRetention()) {
                ErrorReply.send(ctx.response(), new ApiException(410, "the change log no longer goes back to revision " + since.get(),
                        "list the resources again and watch without since (or with the list's revision)"));
                return;
            }
            if (since.isPresent() && since.get() > revision) {
                ErrorReply.send(ctx.response(), new ApiException(410, "since=" + since.get() + " is ahead of the store's revision " + revision,
                        "the store was reset or this is another server: list again and watch without since"));
                return;
            }
            follows.start(ctx.response(), List.of(), sink -> store.subscribe(since, change -> sink.accept(Follows.line(change))));
        });
    }

    /** Ends every open watch, so that a stopping server need not wait for watchers to hang up. */
    void endAll() {
        follows.endAll();
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
}
