package io.tandem.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a specialization's code is, for the runtimes that run it as a process ({@code exec}, {@code lambda}): the
 * path, the directory the process runs in, and a command template with {@code {code}} replaced. {@code path} is
 * null for a function without code.
 */
public record FunctionCode(Path path) {
    /** The code of {@code spec}, which must exist when given. */
    public static FunctionCode of(Specialization spec) throws LoadException {
        Path code = spec.code() == null ? null : Path.of(spec.code());
        if (code != null && !Files.exists(code)) throw new LoadException("code not found: " + code);
        return new FunctionCode(code);
    }

    /** The code directory, or the directory holding the code file; null without code. */
    public Path directory() {
        return path == null ? null : Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    }

    /** {@code template} with {@code {code}} in any argument replaced by the code path. */
    public List<String> command(List<String> template) {
        return template.stream().map(arg -> path == null ? arg : arg.replace("{code}", path.toString())).toList();
    }
}
