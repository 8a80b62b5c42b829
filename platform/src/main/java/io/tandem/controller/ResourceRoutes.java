package io.tandem.controller;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.controller.store.ResourceStore;
import io.tandem.http.ApiException;
import io.tandem.http.ErrorReply;
import io.tandem.model.Change;
import io.tandem.model.HttpTrigger;
import io.tandem.model.Json;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.model.Names;
import io.tandem.model.Resource;
import io.tandem.model.Resource.Kind;
import io.tandem.model.TimeTrigger;
import io.tandem.mqt.StatusBoard;
import io.tandem.timer.FiringJournal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /v1/environments}, {@code /v1/functions}, {@code /v1/triggers/http}, {@code /v1/triggers/time} and
 * {@code /v1/triggers/messagequeue}: list, get, create (POST), create or replace (PUT, idempotent) and delete. A time
 * trigger comes with a {@code status} (next firings, the last one) that {@link TimerStatus} adds, a message queue
 * trigger with one (connection state, message counts) that {@link QueueStatus} adds. Every write is one store transaction with its {@link Admission} checks.
 */
final class ResourceRoutes {
    private final Vertx vertx;
    private final ResourceStore store;
    private final Admission admission;
    private final ClusterView cluster;
    private final TimerStatus timers;
    private final QueueStatus queues;

    ResourceRoutes(Vertx vertx, ResourceStore store, Admission admission, ClusterView cluster, TimerStatus timers, QueueStatus queues) {
        this.vertx = vertx;
        this.store = store;
        this.admission = admission;
        this.cluster = cluster;
        this.timers = timers;
        this.queues = queues;
    }

    void register(Router router, BodyHandler jsonBody) {
        for (Kind kind : Kind.values()) {
            String base = kind.collectionPath();
            router.get(base).handler(ctx -> list(ctx, kind));
            router.post(base).handler(jsonBody).handler(ctx -> create(ctx, kind));
            router.get(base + "/:name").handler(ctx -> get(ctx, kind));
            router.put(base + "/:name").handler(jsonBody).handler(ctx -> put(ctx, kind));
            router.delete(base + "/:name").handler(ctx -> delete(ctx, kind));
        }
    }

    private void list(RoutingContext ctx, Kind kind) {
        reply(ctx, store.submitRead(tx -> {
            ObjectNode body = Json.MAPPER.createObjectNode();
            ArrayNode items = body.putArray("items");
            Map<String, FiringJournal.Entry> firings = kind == Kind.TIME_TRIGGER ? timers.entries() : Map.of();
            Optional<StatusBoard.Snapshot> queued = kind == Kind.MESSAGE_QUEUE_TRIGGER ? queues.snapshot() : Optional.empty();
            for (Resource r : tx.list(kind)) {
                ObjectNode item = Replies.tree(r);
                if (r instanceof TimeTrigger t) item.set("status", timers.of(t, 1, firings));
                if (r instanceof MessageQueueTrigger t) item.set("status", queues.of(t, queued));
                items.add(item);
            }
            body.put("revision", tx.revision());
            return body;
        }), 200);
    }

    private void get(RoutingContext ctx, Kind kind) {
        String name = pathName(ctx, kind);
        int next = kind == Kind.TIME_TRIGGER ? nextCount(ctx) : 1;
        Future<Optional<Resource>> found = Future.fromCompletionStage(store.submitRead(tx -> tx.get(kind, name)), vertx.getOrCreateContext());
        found.onSuccess(r -> {
            if (r.isEmpty()) {
                ErrorReply.send(ctx.response(), notFound(kind, name));
                return;
            }
            ObjectNode body = Replies.tree(r.get());
            if (r.get() instanceof TimeTrigger t) body.set("status", timers.of(t, next, timers.entries()));
            if (r.get() instanceof MessageQueueTrigger t) body.set("status", queues.of(t, queues.snapshot()));
            if (kind != Kind.FUNCTION) {
                Replies.json(ctx, 200, body);
                return;
            }
            Future<Object> status = cluster == null ? Future.succeededFuture(null) : cluster.functionStatus(name);
            status.onFailure(ctx::fail).onSuccess(s -> {
                body.set("status", Json.MAPPER.valueToTree(s));
                Replies.json(ctx, 200, body);
            });
        }).onFailure(ctx::fail);
    }

    /** {@code ?next=N}: how many next firings of a time trigger to show, 1 (the default) to 100. */
    private static int nextCount(RoutingContext ctx) {
        String n = ctx.queryParams().get("next");
        if (n == null) return 1;
        try {
            int count = Integer.parseInt(n);
            if (count >= 1 && count <= TimerStatus.MAX_NEXT) return count;
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.badRequest("invalid next=" + n, "give a number of firings from 1 to " + TimerStatus.MAX_NEXT);
    }

    private void create(RoutingContext ctx, Kind kind) {
        Resource r = RequestBodies.parse(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes(), kind, null);
        reply(ctx, store.submitWrite(tx -> {
            if (tx.get(kind, r.name()).isPresent()) {
                throw ApiException.conflict(kind.wireName() + " '" + r.name() + "' exists already",
                        "pick another name, or replace it with PUT " + kind.collectionPath() + "/" + r.name());
            }
            return Replies.tree(tx.put(admission.admit(tx, r)).resource());
        }), 201);
    }

    private void put(RoutingContext ctx, Kind kind) {
        String name = pathName(ctx, kind);
        Resource r = RequestBodies.parse(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes(), kind, name);
        Future<Outcome> done = Future.fromCompletionStage(store.submitWrite(tx -> {
            Optional<Resource> old = tx.get(kind, name);
            Change change = tx.put(admission.admit(tx, r));
            // An identical spec changes nothing: no revision, no change event; the stored version is the answer.
            Resource now = change == null ? old.orElseThrow() : change.resource();
            return new Outcome(old.isEmpty() ? 201 : 200, Replies.tree(now));
        }), vertx.getOrCreateContext());
        done.onSuccess(o -> Replies.json(ctx, o.status(), o.body())).onFailure(ctx::fail);
    }

    private record Outcome(int status, ObjectNode body) {
    }

    private void delete(RoutingContext ctx, Kind kind) {
        String name = pathName(ctx, kind);
        reply(ctx, store.submitWrite(tx -> {
            if (tx.get(kind, name).isEmpty()) throw notFound(kind, name);
            admission.admitDelete(tx, kind, name);
            List<String> triggers = new ArrayList<>();
            if (kind == Kind.FUNCTION) {
                // A trigger without its function could only fail: remove them together, in this one transaction.
                for (Resource t : tx.list(Kind.HTTP_TRIGGER)) {
                    if (name.equals(((HttpTrigger) t).spec().function())) {
                        tx.delete(Kind.HTTP_TRIGGER, t.name());
                        triggers.add(t.name());
                    }
                }
                for (Resource t : tx.list(Kind.TIME_TRIGGER)) {
                    if (name.equals(((TimeTrigger) t).spec().function())) {
                        tx.delete(Kind.TIME_TRIGGER, t.name());
                        triggers.add(t.name());
                    }
                }
                for (Resource t : tx.list(Kind.MESSAGE_QUEUE_TRIGGER)) {
                    if (name.equals(((MessageQueueTrigger) t).spec().function())) {
                        tx.delete(Kind.MESSAGE_QUEUE_TRIGGER, t.name());
                        triggers.add(t.name());
                    }
                }
            }
            Change change = tx.delete(kind, name);
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.set("deleted", Replies.tree(change.resource()));
            if (kind == Kind.FUNCTION) body.set("deletedTriggers", Json.MAPPER.valueToTree(triggers));
            return body;
        }), 200);
    }

    private void reply(RoutingContext ctx, CompletableFuture<?> work, int status) {
        Future.fromCompletionStage(work, vertx.getOrCreateContext())
                .onSuccess(body -> Replies.json(ctx, status, body))
                .onFailure(ctx::fail);
    }

    static String pathName(RoutingContext ctx, Kind kind) {
        String name = ctx.pathParam("name");
        if (!Names.isValid(name)) {
            throw ApiException.badRequest("invalid " + kind.wireName() + " name '" + name + "'",
                    "names have 1 to 63 characters, lower-case letters, digits and '-', starting with a letter");
        }
        return name;
    }

    static ApiException notFound(Kind kind, String name) {
        return ApiException.notFound(kind.wireName() + " '" + name + "' does not exist",
                "list what exists with GET " + kind.collectionPath());
    }
}
