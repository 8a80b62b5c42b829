package io.tandem.router;

import io.tandem.http.ErrorReply;
import io.tandem.model.ChangeFeed;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * Routes a request to its function ({@link Routes}) and hands the call to the stages that take it there, or answers
 * 404 when nothing matches. One per event loop, confined to it.
 */
final class RequestPath {
    private final Vertx vertx;
    private final Routes routes;
    private final ChangeFeed feed;
    /** Counts an answer made before any function was chosen, by status code. */
    private final IntConsumer unrouted;
    private final CallStage toFunction;

    RequestPath(Vertx vertx, Routes routes, ChangeFeed feed, IntConsumer unrouted, CallStage toFunction) {
        this.vertx = vertx;
        this.routes = routes;
        this.feed = feed;
        this.unrouted = unrouted;
        this.toFunction = toFunction;
    }

    void handle(HttpServerRequest req) {
        long arrived = System.nanoTime();
        switch (routes.resolve(req.method().name(), req.path(), req.query())) {
            case Routes.Missing missing -> lookAgainOnceCaughtUp(req, arrived);
            case Routes.Found found -> toFunction.handle(new Call(req, found.target(), arrived));
        }
    }

    /**
     * A route or function written a moment ago may not have reached this router yet: before refusing, wait (up to
     * 2 s) until the change feed holds everything the controller had stored, and look again. A route that arrives
     * meanwhile is taken at once: the feed usually delivers a fresh function well before the controller has
     * answered how far it is. While the controller is unreachable the feed cannot tell, and the request is refused
     * with what is held.
     */
    private void lookAgainOnceCaughtUp(HttpServerRequest req, long arrived) {
        CompletableFuture<Void> caughtUp = feed.caughtUp();
        if (caughtUp.isDone()) { // a feed that delivers as it stores: what is held is all there is
            switch (routes.resolve(req.method().name(), req.path(), req.query())) {
                case Routes.Missing missing -> notFound(req, missing);
                case Routes.Found found -> toFunction.handle(new Call(req, found.target(), arrived));
            }
            return;
        }
        req.pause();
        Context context = vertx.getOrCreateContext();
        LateRoute late = new LateRoute(req, arrived);
        late.unwatch = routes.watch(() -> context.runOnContext(x -> late.routesChanged()));
        late.routesChanged(); // it may have arrived before the watch
        caughtUp.whenComplete((v, e) -> context.runOnContext(x -> late.caughtUp()));
    }

    /** A request whose route was missing, until its route arrives or the feed has caught up. On its event loop. */
    private final class LateRoute {
        private final HttpServerRequest req;
        private final long arrived;
        private Runnable unwatch;
        private boolean settled;

        LateRoute(HttpServerRequest req, long arrived) {
            this.req = req;
            this.arrived = arrived;
        }

        void routesChanged() {
            if (!settled && routes.resolve(req.method().name(), req.path(), req.query()) instanceof Routes.Found found) {
                settle();
                toFunction.handle(new Call(req, found.target(), arrived)); // it reads the body, still paused
            }
        }

        void caughtUp() {
            if (settled) return;
            settle();
            switch (routes.resolve(req.method().name(), req.path(), req.query())) {
                case Routes.Missing missing -> {
                    req.resume();
                    notFound(req, missing);
                }
                case Routes.Found found -> toFunction.handle(new Call(req, found.target(), arrived));
            }
        }

        private void settle() {
            settled = true;
            unwatch.run();
        }
    }

    private void notFound(HttpServerRequest req, Routes.Missing missing) {
        unrouted.accept(404);
        ErrorReply.send(req, 404, missing.error(), missing.detail());
    }
}
