package io.tandem.model;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Which lines of a function's log to show: at most the last {@code tail} (from all its instances, merged by time),
 * only those since an instant, only those of one instance; and whether to keep following new lines.
 * {@code json} asks for one {@link LogRecord} per line instead of text.
 */
public record LogQuery(int tail, Instant since, String instance, boolean follow, boolean json) {
    public static final int DEFAULT_TAIL = 100;
    public static final int MAX_TAIL = 100_000;

    public LogQuery {
        if (tail < 0 || tail > MAX_TAIL) throw new InvalidResourceException("tail", "must be a whole number from 0 to " + MAX_TAIL + ", not " + tail);
        if (instance != null && !instance.matches("^[a-z0-9][a-z0-9.-]{0,120}$")) {
            throw new InvalidResourceException("instance", "'" + instance + "' is not an instance id; see tandem status for the ids");
        }
    }

    public static LogQuery tail(int n) {
        return new LogQuery(n, null, null, false, false);
    }

    public LogQuery withFollow(boolean f) {
        return new LogQuery(tail, since, instance, f, json);
    }

    public LogQuery withJson(boolean j) {
        return new LogQuery(tail, since, instance, follow, j);
    }

    /** Whether a record passes the {@code since} and {@code instance} filters. */
    public boolean accepts(LogRecord r) {
        return (since == null || !r.time().isBefore(since)) && (instance == null || instance.equals(r.instance()));
    }

    /**
     * Reads a query from request parameters ({@code tail}, {@code since}, {@code instance}, {@code follow},
     * {@code format}); {@code since} is an instant ({@code 2026-12-02T17:30:00Z}) or a duration back from
     * {@code now} ({@code 90s}, {@code 5m}, {@code 2h}). Throws {@link InvalidResourceException} naming the bad parameter.
     */
    public static LogQuery parse(Function<String, String> param, Instant now) {
        int tail = DEFAULT_TAIL;
        String t = param.apply("tail");
        if (t != null && !t.isBlank()) {
            try {
                tail = Integer.parseInt(t.trim());
            } catch (NumberFormatException e) {
                throw new InvalidResourceException("tail", "'" + t + "' is not a whole number; give how many lines to show, such as 100");
            }
        }
        String format = param.apply("format");
        if (format != null && !format.equals("text") && !format.equals("json")) {
            throw new InvalidResourceException("format", "'" + format + "' is not a log format; use text or json");
        }
        String instance = param.apply("instance");
        return new LogQuery(tail, since(param.apply("since"), now), instance == null || instance.isBlank() ? null : instance,
                "true".equals(param.apply("follow")), "json".equals(format));
    }

    private static Instant since(String text, Instant now) {
        if (text == null || text.isBlank()) return null;
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException notAnInstant) {
            try {
                Duration back = Durations.parse("since", text.trim());
                return now.minus(back);
            } catch (InvalidResourceException notADuration) {
                throw new InvalidResourceException("since", "'" + text + "' is neither a duration back from now (90s, 5m, 2h) nor an instant (2026-12-02T17:30:00Z)");
            }
        }
    }

    /** The query as request parameters, the inverse of {@link #parse}. */
    public Map<String, String> params() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("tail", Integer.toString(tail));
        if (since != null) p.put("since", since.toString());
        if (instance != null) p.put("instance", instance);
        p.put("follow", Boolean.toString(follow));
        p.put("format", json ? "json" : "text");
        return p;
    }

    /** {@link #params()} as a query string, without the leading {@code ?}. */
    public String queryString() {
        StringBuilder b = new StringBuilder();
        params().forEach((k, v) -> b.append(b.isEmpty() ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return b.toString();
    }
}
