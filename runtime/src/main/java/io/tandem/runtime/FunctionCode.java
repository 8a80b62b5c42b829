package io.tandem.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a specialization's code is, for the runtimes that run it as a process ({@code exec}, {@code lambda}): the
 * path, the directory the process runs in, and a command template with {@code {code}} replaced, and {@code {jar}} (or
 * {@code {artifact}}) too when the code is a single file. {@code path} is null for a function without code. The
 * agent has replaced them already in the commands it sends, where {@code {jar}} is the uploaded file even when the
 * code was unpacked; these stand in for it when the runtime is started by hand.
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

    /** {@code template} with {@code {code}}, and for a code file {@code {jar}} and {@code {artifact}}, replaced by the code path. */
    public List<String> command(List<String> template) throws LoadException {
        boolean namesFile = template.stream().anyMatch(arg -> arg.contains("{jar}") || arg.contains("{artifact}"));
        if (namesFile && (path == null || !Files.isRegularFile(path))) {
            throw new LoadException("the command " + template + " names {jar}, a single code file, and the code is "
                    + (path == null ? "missing" : "the directory " + path));
        }
        if (path == null) return List.copyOf(template);
        String code = path.toString();
        return template.stream().map(arg -> arg.replace("{code}", code).replace("{jar}", code).replace("{artifact}", code)).toList();
    }
}
