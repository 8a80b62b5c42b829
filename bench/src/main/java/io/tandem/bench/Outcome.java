package io.tandem.bench;

/**
 * What a client made of one answer: served ({@code 2xx}), shed, or failed.
 *
 * <p>Shed means the platform refused the request on purpose to protect itself, and said so: {@code 429} (a
 * function's concurrency limit), or {@code 503} with a {@code Retry-After} header (the router's overload answer).
 * A client may come back later; nothing broke. Every other answer, and no answer at all (status 0: a timeout, a
 * reset connection), is a failure, including a {@code 503} without {@code Retry-After}.
 */
enum Outcome {
    OK, SHED, FAILED;

    static Outcome of(int status, boolean retryAfter) {
        if (status >= 200 && status < 300) return OK;
        if (status == 429 || (status == 503 && retryAfter)) return SHED;
        return FAILED;
    }
}
