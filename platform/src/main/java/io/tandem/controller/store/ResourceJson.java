package io.tandem.controller.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.tandem.model.Environment;
import io.tandem.model.Function;
import io.tandem.model.HttpTrigger;
import io.tandem.model.Json;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.model.Metadata;
import io.tandem.model.Resource;
import io.tandem.model.TimeTrigger;

/** How a resource is kept in the store's {@code json} columns, and the per-kind parts the store compares and fills in. Stateless. */
final class ResourceJson {
    private static final ObjectWriter RESOURCE_WRITER = Json.MAPPER.writerFor(Resource.class);

    private ResourceJson() {
    }

    static String toJson(Resource r) {
        try {
            return RESOURCE_WRITER.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + r.kind().wireName() + " '" + r.name() + "' as JSON", e);
        }
    }

    static Resource fromJson(String json) {
        return Json.read(json, Resource.class);
    }

    /** What a user asked for: two resources with equal specs need no new revision. */
    static Object specOf(Resource r) {
        return switch (r) {
            case Environment e -> e.spec();
            case Function f -> f.spec();
            case HttpTrigger t -> t.spec();
            case TimeTrigger t -> t.spec();
            case MessageQueueTrigger t -> t.spec();
        };
    }

    /** {@code r} with {@code m} as its metadata. */
    static Resource withMetadata(Resource r, Metadata m) {
        return switch (r) {
            case Environment e -> new Environment(m, e.spec());
            case Function f -> new Function(m, f.spec());
            case HttpTrigger t -> new HttpTrigger(m, t.spec());
            case TimeTrigger t -> new TimeTrigger(m, t.spec());
            case MessageQueueTrigger t -> new MessageQueueTrigger(m, t.spec());
        };
    }
}
