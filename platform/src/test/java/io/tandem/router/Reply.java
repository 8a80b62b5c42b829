package io.tandem.router;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/** A client's view of one router answer. */
record Reply(int status, MultiMap headers, String body) {
    JsonObject json() {
        return new JsonObject(body);
    }

    /** How many times the router sent the request, from {@code X-Tandem-Attempts} (absent: once). */
    int attempts() {
        String n = headers.get("X-Tandem-Attempts");
        return n == null ? 1 : Integer.parseInt(n);
    }
}
