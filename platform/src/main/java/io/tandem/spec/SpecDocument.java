package io.tandem.spec;

import io.tandem.model.Resource;
import java.nio.file.Path;

/**
 * One document of a spec file. {@code spec} is an {@link io.tandem.model.EnvironmentSpec}, a
 * {@link CodePath} (a function whose code path is resolved against the file's directory), an
 * {@link io.tandem.model.HttpTriggerSpec}, a {@link io.tandem.model.TimeTriggerSpec} or a
 * {@link io.tandem.model.MessageQueueTriggerSpec}.
 */
public record SpecDocument(Path file, int line, Resource.Kind kind, String name, Object spec) {
    /** A function document whose {@code code} is an absolute path to an existing file. */
    public record CodePath(FunctionFileSpec spec) {
        public Path path() {
            return Path.of(spec.code());
        }
    }

    public String describe() {
        return kind.wireName() + "/" + name;
    }
}
