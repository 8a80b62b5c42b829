package io.tandem.bench;

import io.vertx.core.http.HttpClientResponse;

/** How many attempts the router made for one answer, as its {@code X-Tandem-Attempts} header says. */
public final class Attempts {
    private Attempts() {
    }

    /** The header's count; 1 when it is missing or not a number (an answer not from the router, or a direct call). */
    public static int of(HttpClientResponse response) {
        String header = response.getHeader("X-Tandem-Attempts");
        if (header == null) return 1;
        try {
            return Integer.parseInt(header.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
