package io.tandem.controller;

import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.model.Json;
import io.tandem.model.Resource;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;

/** Writing JSON replies; errors go through {@link io.tandem.http.ErrorReply}. */
final class Replies {
    private static final ObjectWriter RESOURCE = Json.MAPPER.writerFor(Resource.class);

    private Replies() {
    }

    static void json(RoutingContext ctx, int status, Object body) {
        HttpServerResponse resp = ctx.response();
        if (resp.ended()) return;
        resp.setStatusCode(status).putHeader("Content-Type", "application/json").end(Buffer.buffer(Json.writeBytes(body)));
    }

    /** A resource as a JSON tree, {@code kind} included, so a reply can add fields such as {@code status}. */
    static ObjectNode tree(Resource r) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(RESOURCE.writeValueAsBytes(r));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + r.kind().wireName() + " '" + r.name() + "'", e);
        }
    }
}
