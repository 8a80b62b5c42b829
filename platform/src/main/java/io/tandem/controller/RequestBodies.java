package io.tandem.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.http.ApiException;
import io.tandem.model.InvalidResourceException;
import io.tandem.model.Json;
import io.tandem.model.Resource;
import io.tandem.model.Resource.Kind;
import java.io.IOException;
import java.util.Collection;
import java.util.stream.Collectors;

/**
 * Turns a request body into a resource of the kind its route serves, or an {@link ApiException} that names the
 * offending field. {@code kind}, {@code apiVersion} and {@code metadata.name} may be left out: the route and its
 * path give them.
 */
final class RequestBodies {
    static final String API_VERSION = "tandem/v1";

    private RequestBodies() {
    }

    /** {@code pathName} is the name in the URL, or null for a POST to the collection. */
    static Resource parse(byte[] body, Kind kind, String pathName) {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(),
                    "send one " + kind.wireName() + " as a JSON object");
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read the body: " + e.getMessage(), "send one " + kind.wireName() + " as a JSON object");
        }
        if (!(tree instanceof ObjectNode object)) {
            throw ApiException.badRequest("the body is not a JSON object", "send one " + kind.wireName()
                    + " as {\"kind\": \"" + kind.wireName() + "\", \"metadata\": {\"name\": ...}, \"spec\": {...}}");
        }
        normalizeKind(object, kind);
        normalizeName(object, kind, pathName);
        if (object.path("spec").path("code") instanceof ObjectNode code && !code.hasNonNull("size")) {
            code.put("size", 0); // a primitive in CodeRef; the controller fills it in from the package store
        }
        try {
            Resource r = Json.MAPPER.treeToValue(object, Resource.class);
            if (r.metadata() == null) throw ApiException.badRequest("metadata is missing", "give metadata.name");
            return r;
        } catch (JsonProcessingException e) {
            throw fromMapping(e, kind);
        } catch (InvalidResourceException e) {
            throw invalid(e, kind);
        }
    }

    private static void normalizeKind(ObjectNode object, Kind kind) {
        JsonNode apiVersion = object.remove("apiVersion");
        if (apiVersion != null && !API_VERSION.equals(apiVersion.asText())) {
            throw ApiException.badRequest("unknown apiVersion '" + apiVersion.asText() + "'", "use apiVersion: " + API_VERSION + ", or leave it out");
        }
        JsonNode given = object.get("kind");
        if (given == null || given.isNull()) {
            object.put("kind", kind.wireName());
        } else if (!kind.wireName().equals(given.asText())) {
            throw ApiException.badRequest("kind '" + given.asText() + "' does not belong on this route, which takes " + kind.wireName(),
                    "send it to the route of its kind (see /v1/openapi.yaml), or fix the kind");
        }
    }

    private static void normalizeName(ObjectNode object, Kind kind, String pathName) {
        JsonNode metadata = object.get("metadata");
        if (metadata == null || metadata.isNull()) {
            if (pathName == null) throw ApiException.badRequest("metadata.name is missing", "give the " + kind.wireName() + " a name in metadata.name");
            metadata = object.putObject("metadata");
        }
        if (!(metadata instanceof ObjectNode meta)) throw ApiException.badRequest("metadata is not an object", "write metadata as {\"name\": ...}");
        // Metadata.revision is a primitive, which the shared mapper refuses to leave out; the store sets it anyway.
        if (!meta.hasNonNull("revision")) meta.put("revision", 0);
        JsonNode name = meta.get("name");
        if (name == null || name.isNull()) {
            if (pathName == null) throw ApiException.badRequest("metadata.name is missing", "give the " + kind.wireName() + " a name in metadata.name");
            meta.put("name", pathName);
        } else if (pathName != null && !pathName.equals(name.asText())) {
            throw ApiException.badRequest("metadata.name '" + name.asText() + "' differs from the name in the path, '" + pathName + "'",
                    "make them the same; a rename is a delete and a create");
        }
    }

    private static ApiException fromMapping(JsonProcessingException e, Kind kind) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidResourceException ire) {
                if (ire.field() == null && e instanceof JsonMappingException m) {
                    return invalid(new InvalidResourceException(Json.pathOf(m), ire.getMessage()), kind);
                }
                return invalid(ire, kind);
            }
        }
        if (e instanceof UnrecognizedPropertyException u) {
            String field = Json.pathOf(u);
            return ApiException.badRequest("unknown field '" + field + "' in the " + kind.wireName(),
                    "check its spelling; known fields here: " + names(u.getKnownPropertyIds()));
        }
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            return ApiException.badRequest("field '" + Json.pathOf(m) + "' has the wrong type or value: " + e.getOriginalMessage(),
                    "see the " + kind.wireName() + " schema in /v1/openapi.yaml");
        }
        return ApiException.badRequest("invalid " + kind.wireName() + ": " + e.getOriginalMessage(), "see the " + kind.wireName() + " schema in /v1/openapi.yaml");
    }

    static ApiException invalid(InvalidResourceException e, Kind kind) {
        String field = e.field() == null ? "the " + kind.wireName() : e.field();
        return ApiException.badRequest("invalid " + kind.wireName() + ": " + e.getMessage(), "correct " + field + " and send it again");
    }

    private static String names(Collection<Object> ids) {
        return ids == null ? "(none)" : ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
    }
}
