package io.tandem.agent;

import io.tandem.http.ApiException;
import io.tandem.http.ErrorBody;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;

/** The one line an agent refusal says about what went wrong underneath. */
final class Causes {
    private Causes() {
    }

    /** An instance's {@code {"error","detail"}} body as one line; any other body as it is. */
    static String describe(String body) {
        return ErrorBody.parse(body.getBytes(StandardCharsets.UTF_8)).map(ErrorBody::describe).orElse(body);
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
