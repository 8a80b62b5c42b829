package io.tandem.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.tandem.model.CodeRef;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.FunctionSpec;
import io.tandem.model.HttpTriggerSpec;
import io.tandem.model.InvalidResourceException;
import io.tandem.model.Json;
import io.tandem.model.Names;
import io.tandem.model.Resource;
import io.tandem.model.MessageQueueTriggerSpec;
import io.tandem.model.TimeTriggerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads spec files: one YAML file, or every {@code .yaml}/{@code .yml} file of a directory (not recursive), in
 * name order. Everything is read and checked before anything is returned, so a typo in one document refuses the
 * whole set and {@code tandem apply} changes nothing.
 */
public final class SpecFiles {
    public static final String API_VERSION = "tandem/v1";

    private SpecFiles() {
    }

    public static List<SpecDocument> load(Path fileOrDir) {
        List<Path> files = filesOf(fileOrDir);
        List<SpecDocument> docs = new ArrayList<>();
        for (Path f : files) docs.addAll(loadFile(f));
        Map<String, SpecDocument> seen = new HashMap<>();
        for (SpecDocument d : docs) {
            SpecDocument before = seen.putIfAbsent(d.describe(), d);
            if (before != null) {
                throw new SpecException(d.file(), d.line(), "metadata.name", d.describe() + " is declared twice (also at "
                        + before.file() + ":" + before.line() + "): keep one");
            }
        }
        return docs;
    }

    static List<Path> filesOf(Path fileOrDir) {
        if (Files.isDirectory(fileOrDir)) {
            try (Stream<Path> s = Files.list(fileOrDir)) {
                List<Path> files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                        .filter(Files::isRegularFile).sorted().toList();
                if (files.isEmpty()) throw new SpecException(fileOrDir, 0, null, "no .yaml or .yml files in this directory");
                return files;
            } catch (IOException e) {
                throw new SpecException(fileOrDir, 0, null, "cannot list: " + e.getMessage());
            }
        }
        if (!Files.isRegularFile(fileOrDir)) throw new SpecException(fileOrDir, 0, null, "no such file or directory");
        return List.of(fileOrDir);
    }

    static List<SpecDocument> loadFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new SpecException(file, 0, null, "cannot read: " + e.getMessage());
        }
        List<SpecDocument> docs = new ArrayList<>();
        for (Chunk chunk : split(text)) {
            if (chunk.text().isBlank() || chunk.text().lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) continue;
            docs.add(parse(file, chunk));
        }
        return docs;
    }

    /** A document's text and the line of the file where it starts (1-based). */
    record Chunk(String text, int firstLine) {
    }

    static List<Chunk> split(String text) {
        List<Chunk> chunks = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int start = 1;
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.equals("---") || line.startsWith("--- ") || line.equals("---\r")) {
                chunks.add(new Chunk(current.toString(), start));
                current.setLength(0);
                start = lineNo + 1;
            } else {
                current.append(line).append('\n');
            }
        }
        chunks.add(new Chunk(current.toString(), start));
        return chunks;
    }

    private static SpecDocument parse(Path file, Chunk chunk) {
        JsonNode tree = readTree(file, chunk);
        requireApiVersion(file, chunk, tree);
        Resource.Kind kind = requireKind(file, chunk, tree);
        requireKnownFields(file, chunk, tree);
        String name = requireName(file, chunk, tree);
        if (!tree.hasNonNull("spec")) throw new SpecException(file, chunk.firstLine(), "spec", "missing");
        Object spec = readSpec(file, chunk, kind);
        requireValid(file, chunk, spec);
        if (spec instanceof FunctionFileSpec f) spec = resolveCode(file, chunk, f);
        return new SpecDocument(file, chunk.firstLine(), kind, name, spec);
    }

    private static JsonNode readTree(Path file, Chunk chunk) {
        JsonNode tree;
        try {
            tree = Json.YAML.readTree(chunk.text());
        } catch (JsonProcessingException e) {
            throw new SpecException(file, lineOf(chunk, e.getLocation()), null, "not valid YAML: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) throw new SpecException(file, chunk.firstLine(), null, "a document must be a mapping with apiVersion, kind, metadata and spec");
        return tree;
    }

    private static void requireApiVersion(Path file, Chunk chunk, JsonNode tree) {
        String apiVersion = text(tree, "apiVersion");
        if (!API_VERSION.equals(apiVersion)) {
            throw new SpecException(file, lineOfField(chunk, "apiVersion"), "apiVersion",
                    apiVersion == null ? "missing: write 'apiVersion: " + API_VERSION + "'" : "unsupported '" + apiVersion + "': use " + API_VERSION);
        }
    }

    private static Resource.Kind requireKind(Path file, Chunk chunk, JsonNode tree) {
        String kindText = text(tree, "kind");
        Resource.Kind kind = kindOf(kindText);
        if (kind == null) {
            throw new SpecException(file, lineOfField(chunk, "kind"), "kind", (kindText == null ? "missing" : "unknown kind '" + kindText + "'")
                    + ": use Environment, Function, HttpTrigger, TimeTrigger or MessageQueueTrigger");
        }
        return kind;
    }

    private static void requireKnownFields(Path file, Chunk chunk, JsonNode tree) {
        for (var it = tree.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("apiVersion", "kind", "metadata", "spec").contains(f)) {
                throw new SpecException(file, lineOfField(chunk, f), f, "unknown field: a document has apiVersion, kind, metadata and spec");
            }
        }
    }

    private static String requireName(Path file, Chunk chunk, JsonNode tree) {
        JsonNode metadata = tree.get("metadata");
        String name = metadata == null ? null : text(metadata, "name");
        try {
            Names.require("metadata.name", name);
        } catch (InvalidResourceException e) {
            throw new SpecException(file, lineOfField(chunk, "metadata.name"), "metadata.name", e.getMessage().substring("metadata.name: ".length()));
        }
        return name;
    }

    private static void requireValid(Path file, Chunk chunk, Object spec) {
        try {
            switch (spec) {
                case EnvironmentSpec e -> e.validate();
                case FunctionFileSpec f -> validateFunction(file, f);
                case HttpTriggerSpec t -> t.validate();
                case TimeTriggerSpec t -> t.validate();
                case MessageQueueTriggerSpec t -> t.validate();
                default -> throw new IllegalStateException();
            }
        } catch (InvalidResourceException e) {
            throw new SpecException(file, lineOfField(chunk, e.field()), e.field(), stripField(e));
        }
    }

    private static Object readSpec(Path file, Chunk chunk, Resource.Kind kind) {
        Class<?> type = switch (kind) {
            case ENVIRONMENT -> EnvironmentSpec.class;
            case FUNCTION -> FunctionFileSpec.class;
            case HTTP_TRIGGER -> HttpTriggerSpec.class;
            case TIME_TRIGGER -> TimeTriggerSpec.class;
            case MESSAGE_QUEUE_TRIGGER -> MessageQueueTriggerSpec.class;
        };
        try {
            JsonNode specNode = Json.YAML.readTree(chunk.text()).get("spec");
            return kind == Resource.Kind.FUNCTION ? FunctionFileSpec.read(specNode) : Json.YAML.treeToValue(specNode, type);
        } catch (UnrecognizedPropertyException e) {
            String field = "spec." + Json.pathOf(e);
            throw new SpecException(file, lineOfField(chunk, field), field, "unknown field; known fields: "
                    + String.join(", ", e.getKnownPropertyIds().stream().map(Object::toString).sorted().toList()));
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause();
            String field = "spec." + Json.pathOf(e);
            if (cause instanceof InvalidResourceException ire) {
                throw new SpecException(file, lineOfField(chunk, field), field, stripField(ire));
            }
            throw new SpecException(file, lineOfField(chunk, field), field, e.getOriginalMessage());
        } catch (InvalidResourceException e) {
            throw new SpecException(file, lineOfField(chunk, e.field()), e.field(), stripField(e));
        } catch (JsonProcessingException e) {
            throw new SpecException(file, chunk.firstLine(), "spec", e.getOriginalMessage());
        }
    }

    private static void validateFunction(Path file, FunctionFileSpec f) {
        if (f.code() == null || f.code().isBlank()) throw new InvalidResourceException("spec.code", "missing: give the path of a jar, a zip or a single file, relative to this spec file");
        // Validate everything else with a placeholder package: the real one is uploaded at apply time.
        f.withCode(new CodeRef("0".repeat(64), "placeholder", 0, CodeRef.PackageKind.FILE)).validate();
    }

    private static SpecDocument.CodePath resolveCode(Path file, Chunk chunk, FunctionFileSpec f) {
        Path code = Path.of(f.code());
        if (!code.isAbsolute()) code = file.toAbsolutePath().getParent().resolve(code).normalize();
        if (!Files.isRegularFile(code)) {
            throw new SpecException(file, lineOfField(chunk, "spec.code"), "spec.code", "no such file " + code
                    + (f.code().endsWith(".jar") ? " (build it first: ./mvnw -q package -DskipTests)" : ""));
        }
        return new SpecDocument.CodePath(f.withCodePath(code.toString()));
    }

    private static String stripField(InvalidResourceException e) {
        String prefix = e.field() == null ? "" : e.field() + ": ";
        return e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
    }

    private static Resource.Kind kindOf(String text) {
        for (Resource.Kind k : Resource.Kind.values()) {
            if (k.wireName().equals(text)) return k;
        }
        return null;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static int lineOf(Chunk chunk, JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? chunk.firstLine() : chunk.firstLine() + location.getLineNr() - 1;
    }

    /**
     * The file line of a dotted field path ({@code spec.faultTolerance.strategy}) in a document: the line of its
     * deepest key that exists, or the document's first line.
     */
    static int lineOfField(Chunk chunk, String dottedPath) {
        if (dottedPath == null) return chunk.firstLine();
        String[] want = dottedPath.replaceAll("\\[\\d+]", "").split("\\.");
        int best = chunk.firstLine();
        int bestDepth = 0;
        try (JsonParser p = Json.YAML.getFactory().createParser(chunk.text())) {
            Deque<String> path = new ArrayDeque<>();
            Deque<Boolean> isObject = new ArrayDeque<>();
            String pending = null;
            for (JsonToken t; (t = p.nextToken()) != null; ) {
                switch (t) {
                    case START_OBJECT, START_ARRAY -> {
                        if (pending != null) path.addLast(pending);
                        isObject.push(pending != null);
                        pending = null;
                    }
                    case END_OBJECT, END_ARRAY -> {
                        if (!isObject.isEmpty() && isObject.pop()) path.pollLast();
                    }
                    case FIELD_NAME -> {
                        pending = p.currentName();
                        List<String> full = new ArrayList<>(path);
                        full.add(pending);
                        int depth = matchDepth(full, want);
                        if (depth > bestDepth) {
                            bestDepth = depth;
                            best = lineOf(chunk, p.currentTokenLocation());
                        }
                    }
                    default -> pending = null;
                }
            }
        } catch (IOException e) {
            return best;
        }
        return best;
    }

    private static int matchDepth(List<String> path, String[] want) {
        if (path.size() > want.length) return 0;
        for (int i = 0; i < path.size(); i++) {
            if (!path.get(i).equals(want[i])) return 0;
        }
        return path.size();
    }

    /** Turns a function document into the spec the API stores, given its uploaded code. */
    public static FunctionSpec functionSpec(SpecDocument doc, CodeRef code) {
        return ((SpecDocument.CodePath) doc.spec()).spec().withCode(code);
    }
}
