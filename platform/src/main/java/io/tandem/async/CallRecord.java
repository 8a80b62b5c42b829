package io.tandem.async;

import io.tandem.model.AsyncCall;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * What is known of one async call, as {@code GET /async-calls/<id>} shows it and the KV bucket keeps it:
 * {@code state} is {@code queued}, {@code running}, {@code retrying} (waiting for its next attempt), {@code succeeded}
 * (the function answered 2xx) or {@code failed} (any other final answer, or none after the retries). The answer's
 * body is kept up to {@link AsyncCalls#MAX_KEPT_BODY} bytes, as text when it is UTF-8, else in base64.
 */
record CallRecord(String id, String function, String method, String path, String state, int attempts, Integer status,
                  String error, Instant acceptedAt, Instant startedAt, Instant finishedAt, Long durationMillis, String contentType,
                  String body, String bodyEncoding, Boolean bodyTruncated, Callback callback) {

    /** The callback's progress: {@code pending}, {@code delivered} or {@code failed}. */
    record Callback(String url, String state, int attempts, Integer status, String error, Instant deliveredAt) {
        Callback attempted(int attempt, Integer answered, String why) {
            boolean ok = answered != null && answered / 100 == 2;
            return new Callback(url, ok ? "delivered" : state, attempt, answered, ok ? null : why, ok ? Instant.now() : null);
        }

        Callback failed() {
            return new Callback(url, "failed", attempts, status, error, null);
        }
    }

    static CallRecord queued(AsyncCall c) {
        return new CallRecord(c.id(), c.function(), c.method(), c.path(), "queued", 0, null, null, c.acceptedAt(), null, null, null, null,
                null, null, null, c.callbackUrl() == null ? null : new Callback(c.callbackUrl(), "pending", 0, null, null, null));
    }

    boolean finished() {
        return state.equals("succeeded") || state.equals("failed");
    }

    CallRecord running(int attempt) {
        return new CallRecord(id, function, method, path, "running", attempt, status, error, acceptedAt,
                startedAt == null ? Instant.now() : startedAt, null, null, contentType, body, bodyEncoding, bodyTruncated, callback);
    }

    CallRecord retrying(Integer answered, String why) {
        return new CallRecord(id, function, method, path, "retrying", attempts, answered, why, acceptedAt, startedAt, null, null,
                contentType, body, bodyEncoding, bodyTruncated, callback);
    }

    CallRecord finished(Integer answered, String why, long millis, String type, byte[] answer) {
        boolean ok = answered != null && answered / 100 == 2;
        String text = null;
        String encoding = null;
        Boolean truncated = null;
        if (answer != null) {
            byte[] kept = answer.length > AsyncCalls.MAX_KEPT_BODY ? java.util.Arrays.copyOf(answer, AsyncCalls.MAX_KEPT_BODY) : answer;
            truncated = answer.length > kept.length;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(kept)).toString();
                encoding = "utf-8";
            } catch (CharacterCodingException binary) {
                text = Base64.getEncoder().encodeToString(kept);
                encoding = "base64";
            }
        }
        return new CallRecord(id, function, method, path, ok ? "succeeded" : "failed", attempts, answered, ok ? null : why, acceptedAt,
                startedAt, Instant.now(), millis, type, text, encoding, truncated, callback);
    }

    CallRecord withCallback(Callback c) {
        return new CallRecord(id, function, method, path, state, attempts, status, error, acceptedAt, startedAt, finishedAt,
                durationMillis, contentType, body, bodyEncoding, bodyTruncated, c);
    }

    /** The kept body as bytes, for a callback sent again after a restart; null when it was cut or there was none. */
    byte[] keptBody() {
        if (body == null || Boolean.TRUE.equals(bodyTruncated)) return null;
        return "base64".equals(bodyEncoding) ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
    }
}
