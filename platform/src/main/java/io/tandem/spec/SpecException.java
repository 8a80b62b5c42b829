package io.tandem.spec;

import java.nio.file.Path;

/** A spec file that cannot be applied; the message reads {@code file:line: field: what is wrong}. */
public final class SpecException extends RuntimeException {
    private final Path file;
    private final int line;
    private final String field;

    public SpecException(Path file, int line, String field, String message) {
        super(file + (line > 0 ? ":" + line : "") + ": " + (field == null || field.isEmpty() ? "" : field + ": ") + message);
        this.file = file;
        this.line = line;
        this.field = field;
    }

    public Path file() {
        return file;
    }

    public int line() {
        return line;
    }

    public String field() {
        return field;
    }
}
