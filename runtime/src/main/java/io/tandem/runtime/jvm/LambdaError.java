package io.tandem.runtime.jvm;

import com.sun.net.httpserver.HttpExchange;
import io.tandem.runtime.Json;
import io.tandem.runtime.Replies;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The answer to a Lambda handler that threw, as Lambda's Java runtime gives it and as the {@code lambda} runtime
 * relays it from any client: status 500, {@code X-Amz-Function-Error: Unhandled}, and the error document
 * {@code errorMessage}, {@code errorType} (the exception's class), {@code stackTrace} (one string per frame) and
 * {@code cause}, the same document for what caused it. Tandem's own handlers keep Tandem's error shape.
 */
final class LambdaError {
    /** How deep causes go in the document: a cycle or a very long chain stops there. */
    private static final int MAX_CAUSES = 8;
    private static final String RUNTIME_PACKAGE = "io.tandem.runtime.";

    private LambdaError() {
    }

    static void answer(HttpExchange exchange, String requestId, Throwable failure) throws IOException {
        System.err.println("[" + requestId + "] function failed:");
        failure.printStackTrace();
        byte[] body = Json.MAPPER.writeValueAsBytes(document(failure, MAX_CAUSES));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("X-Amz-Function-Error", "Unhandled");
        exchange.getResponseHeaders().set("X-Tandem-Error-Type", failure.getClass().getName());
        Replies.send(exchange, 500, body);
    }

    /**
     * {@code class.method(File.java:line)} per frame, without the class loader and module names the JDK prefixes,
     * down to where Tandem's runtime called the handler: what is below is Tandem's, not the function's.
     */
    static List<String> frames(StackTraceElement[] stack) {
        List<String> frames = new ArrayList<>();
        boolean seenFunction = false;
        for (StackTraceElement frame : stack) {
            boolean tandem = frame.getClassName().startsWith(RUNTIME_PACKAGE);
            if (tandem && seenFunction) break;
            seenFunction |= !tandem;
            String file = frame.getFileName() == null ? "Unknown Source" : frame.getLineNumber() >= 0 ? frame.getFileName() + ":" + frame.getLineNumber() : frame.getFileName();
            frames.add(frame.getClassName() + "." + frame.getMethodName() + "(" + file + ")");
        }
        return frames;
    }

    static Map<String, Object> document(Throwable failure, int causes) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("errorMessage", failure.getMessage());
        document.put("errorType", failure.getClass().getName());
        document.put("stackTrace", frames(failure.getStackTrace()));
        Throwable cause = failure.getCause();
        if (cause != null && cause != failure && causes > 0) document.put("cause", document(cause, causes - 1));
        return document;
    }
}
