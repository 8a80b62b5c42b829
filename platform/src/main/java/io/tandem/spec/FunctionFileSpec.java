package io.tandem.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.model.CodeRef;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Json;

/**
 * A function as a spec file declares it: {@code code} is the path of the file to upload, and {@code function} every
 * other field, as the API takes it (its own {@code code} is null until the file is uploaded).
 */
public record FunctionFileSpec(String code, FunctionSpec function) {

    /** Reads a function document's {@code spec}; fails as Jackson does, with the path of the field at fault. */
    static FunctionFileSpec read(JsonNode spec) throws JsonProcessingException {
        // Not a mapping: Jackson names this type in its refusal, as it did when the fields were read into it.
        if (!(spec instanceof ObjectNode fields)) return Json.YAML.treeToValue(spec, FunctionFileSpec.class);
        ObjectNode rest = fields.deepCopy();
        JsonNode path = rest.remove("code");
        String code;
        try {
            code = path == null || path.isNull() ? null : Json.YAML.treeToValue(path, String.class);
        } catch (JsonMappingException e) {
            throw JsonMappingException.wrapWithPath(e, spec, "code");
        }
        return new FunctionFileSpec(code, Json.YAML.treeToValue(rest, FunctionSpec.class));
    }

    public FunctionSpec withCode(CodeRef ref) {
        return function.withCode(ref);
    }

    /** This spec with {@code code} resolved to a path. */
    FunctionFileSpec withCodePath(String path) {
        return new FunctionFileSpec(path, function);
    }
}
