package io.tandem.controller;

import io.tandem.controller.store.ResourceStore;
import io.tandem.http.ApiException;
import io.tandem.http.Follows;
import io.tandem.model.EventBatch;
import io.tandem.model.Json;
import io.tandem.model.Names;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;

/**
 * {@code GET /v1/events}: the cluster events the store keeps, as a JSON list: with {@code since}, the first
 * {@code limit} after that seq (to page forward); without it, the newest {@code limit}; oldest first either way.
 * With {@code follow=true}, a chunked NDJSON stream instead: that backlog, then each new event as it is stored,
 * with an empty line as keep-alive, as {@code /v1/watch} does. {@code function} keeps one function's events.
 *
 * <p>{@code POST /v1/events/batch}: an {@link EventBatch} from a role in another process (the executor); answered
 * once it is stored, so the sender may forget it. A re-sent batch is stored once.
 */
final class EventsRoute {
    static final int DEFAULT_LIMIT = 1_000;
    static final int MAX_LIMIT = 10_000;

    private final Vertx vertx;
    private final ResourceStore store;
    private final Follows follows;

    EventsRoute(Vertx vertx, ResourceStore store) {
        this.vertx = vertx;
        this.store = store;
        this.follows = new Follows(vertx, WatchRoute.KEEP_ALIVE, WatchRoute.MAX_BEHIND_BYTES);
    }

    void register(Router router, BodyHandler jsonBody) {
        router.get("/v1/events").handler(this::events);
        router.post("/v1/events/batch").handler(jsonBody).handler(this::append);
    }

    private void append(RoutingContext ctx) {
        EventBatch batch;
        try {
            batch = Json.read(ctx.body().buffer().getBytes(), EventBatch.class);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid event batch: " + e.getMessage(), "send {\"sender\", \"firstId\", \"events\"}");
        }
        if (batch.sender() == null || batch.sender().isBlank() || batch.firstId() < 1) {
            throw ApiException.badRequest("an event batch needs a sender and a firstId from 1", "send {\"sender\", \"firstId\", \"events\"}");
        }
        Future.fromCompletionStage(store.appendEvents(batch.sender(), batch.firstId(), batch.events()), vertx.getOrCreateContext())
                .onFailure(ctx::fail)
                .onSuccess(stored -> Replies.json(ctx, 200, Map.of("stored", stored.size())));
    }

    private void events(RoutingContext ctx) {
        Long since = since(ctx.request().getParam("since"));
        String function = function(ctx.request().getParam("function"));
        int limit = limit(ctx.request().getParam("limit"));
        boolean follow = Boolean.parseBoolean(ctx.request().getParam("follow"));
        Context context = vertx.getOrCreateContext();
        var backlog = since != null
                ? store.readEvents(since, function, limit).thenApply(events -> new ResourceStore.EventPage(events, since))
                : store.latestEvents(function, limit);
        Future.fromCompletionStage(backlog, context).onFailure(ctx::fail).onSuccess(page -> {
            if (!follow) {
                Replies.json(ctx, 200, page.events());
                return;
            }
            long from = page.events().isEmpty() ? page.after() : Math.max(page.after(), page.events().getLast().seq());
            follows.start(ctx.response(), page.events().stream().map(Follows::line).toList(), sink -> store.subscribeEvents(from, e -> {
                if (function == null || function.equals(e.function())) sink.accept(Follows.line(e));
            }));
        });
    }

    /** Ends every open follow, so that a stopping server need not wait for followers to hang up. */
    void endAll() {
        follows.endAll();
    }

    private static Long since(String text) {
        if (text == null || text.isBlank()) return null;
        try {
            long seq = Long.parseLong(text.trim());
            if (seq < 0) throw new NumberFormatException();
            return seq;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid since '" + text + "'", "give the seq of the last event you saw, a number from 0");
        }
    }

    private static String function(String text) {
        if (text == null || text.isBlank()) return null;
        try {
            Names.require("function", text.trim());
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid function '" + text + "'", e.getMessage());
        }
        return text.trim();
    }

    private static int limit(String text) {
        if (text == null || text.isBlank()) return DEFAULT_LIMIT;
        try {
            int n = Integer.parseInt(text.trim());
            if (n < 1 || n > MAX_LIMIT) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid limit '" + text + "'", "give a whole number from 1 to " + MAX_LIMIT);
        }
    }
}
