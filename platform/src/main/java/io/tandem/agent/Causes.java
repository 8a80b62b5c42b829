package io.tandem.agent;

import io.tandem.http.ApiException;
import io.tandem.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;

/** The one line an agent refusal says about what went wrong underneath. */
final class Causes {
    private Causes() {
    }

    /** An instance's {@code {"error","detail"}} body as one line; any other body as it is. */
    static String describe(String body) {
        try {
            ApiError e = Json.MAPPER.readValue(body, ApiError.class);
            if (e.error() == null) return body;
            return e.detail() == null || e.detail().isBlank() ? e.error() : e.error() + ": " + e.detail();
        } catch (IOException | RuntimeException notJson) {
            return body;
        }
    }

    /** The message of the failure under the wrappers that futures and file access add. */
    static String root(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof UncheckedIOException) && t.getCause() != null) {
            if (t instanceof UncheckedIOException && t.getMessage() != null) return t.getMessage();
            t = t.getCause();
        }
        if (t instanceof ApiException a) return a.detail();
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
