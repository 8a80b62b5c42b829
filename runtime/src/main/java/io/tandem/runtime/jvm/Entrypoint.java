package io.tandem.runtime.jvm;

import io.tandem.runtime.LoadException;

/** A handler's class and, optionally, its method: {@code example.Hello} or {@code example.Hello::handleRequest}. */
record Entrypoint(String className, String method) {

    static Entrypoint parse(String text) throws LoadException {
        if (text == null || text.isBlank()) throw new LoadException("no entrypoint: give the handler class, as example.Hello or example.Hello::method");
        String trimmed = text.trim();
        int colons = trimmed.indexOf("::");
        String className = colons < 0 ? trimmed : trimmed.substring(0, colons);
        String method = colons < 0 ? null : trimmed.substring(colons + 2);
        if (!isQualifiedName(className) || (method != null && !isIdentifier(method))) {
            throw new LoadException("bad entrypoint '" + text + "': write it as example.Hello or example.Hello::method");
        }
        return new Entrypoint(className, method);
    }

    private static boolean isQualifiedName(String name) {
        for (String part : name.split("\\.", -1)) {
            if (!isIdentifier(part)) return false;
        }
        return true;
    }

    private static boolean isIdentifier(String text) {
        if (text.isEmpty() || !Character.isJavaIdentifierStart(text.charAt(0))) return false;
        return text.chars().skip(1).allMatch(c -> Character.isJavaIdentifierPart(c) || c == '$');
    }

    @Override
    public String toString() {
        return method == null ? className : className + "::" + method;
    }
}
