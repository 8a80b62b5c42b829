package io.tandem.model;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * When a time trigger fires, as a pure function of time: the firings after an instant depend only on the expression
 * and the zone, never on when the schedule was created, so a restarted scheduler computes the same instants.
 *
 * <p>Forms: five cron fields (minute hour day-of-month month day-of-week, minute precision), six fields (a seconds
 * field first), the nicknames {@code @yearly @annually @monthly @weekly @daily @midnight @hourly}, and
 * {@code @every <duration>} (whole seconds, at least {@code 1s}), which fires at every multiple of the duration
 * since the Unix epoch, so {@code @every 10s} fires at :00, :10, :20 of every minute and {@code @every 1h} on the
 * hour (in UTC). Immutable and thread-safe.
 */
public sealed interface Schedule {
    /** The first firing strictly after {@code after}; empty when there is none. */
    Optional<Instant> next(Instant after, ZoneId zone);

    /** The expression as the user wrote it. */
    String text();

    /** Up to {@code count} firings strictly after {@code after}, in order. */
    default List<Instant> next(Instant after, ZoneId zone, int count) {
        List<Instant> out = new ArrayList<>(count);
        Instant t = after;
        while (out.size() < count) {
            Optional<Instant> n = next(t, zone);
            if (n.isEmpty()) break;
            out.add(n.get());
            t = n.get();
        }
        return out;
    }

    Duration MIN_EVERY = Duration.ofSeconds(1);

    Map<String, String> NICKNAMES = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");

    /**
     * Parses and checks an expression; {@link InvalidResourceException} on {@code field} says what is wrong,
     * including an expression that is well formed but never fires (such as February 30).
     */
    static Schedule parse(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidResourceException(field, "missing: give five cron fields ('*/5 * * * *'), six with seconds first, @every 10s or @hourly");
        }
        String t = text.trim();
        Schedule s;
        if (t.startsWith("@every")) {
            s = Every.parse(field, t);
        } else if (t.startsWith("@")) {
            String fields = NICKNAMES.get(t.toLowerCase(Locale.ROOT));
            if (fields == null) {
                throw new InvalidResourceException(field, "unknown nickname '" + t + "': use @every <duration>, " + String.join(", ", NICKNAMES.keySet().stream().sorted().toList()));
            }
            s = CronSchedule.parse(field, t, fields);
        } else {
            s = CronSchedule.parse(field, t, t);
        }
        return s;
    }

    /** {@code @every <duration>}: at every multiple of {@code period} since the Unix epoch. */
    record Every(String text, Duration period) implements Schedule {
        static Every parse(String field, String text) {
            String rest = text.substring("@every".length()).trim();
            if (rest.isEmpty()) throw new InvalidResourceException(field, "'@every' needs a duration, such as '@every 10s' or '@every 5m'");
            Duration d;
            try {
                d = Durations.parse(field, rest);
            } catch (InvalidResourceException e) {
                throw new InvalidResourceException(field, "invalid duration '" + rest + "' in '" + text + "': write it as 10s, 5m or 1h");
            }
            if (d.compareTo(MIN_EVERY) < 0 || d.toMillis() % 1000 != 0) {
                throw new InvalidResourceException(field, "'" + text + "' fires too often or not on a whole second: use at least 1s, in whole seconds");
            }
            return new Every(text, d);
        }

        @Override
        public Optional<Instant> next(Instant after, ZoneId zone) {
            long p = period.toMillis();
            long k = Math.floorDiv(after.toEpochMilli(), p) + 1;
            return Optional.of(Instant.ofEpochMilli(k * p));
        }
    }

    /** A cron expression of five fields (as UNIX cron) or six (seconds first, as Spring's). */
    record CronSchedule(String text, Cron cron) implements Schedule {
        private static final CronParser FIVE = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
        private static final CronParser SIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING));
        /** A fixed point to test "fires at all" from, so the answer never depends on the day it is asked. */
        private static final Instant PROBE = LocalDateTime.of(2000, 1, 1, 0, 0).toInstant(ZoneOffset.UTC);

        static CronSchedule parse(String field, String text, String fields) {
            int n = fields.trim().split("\\s+").length;
            if (n != 5 && n != 6) {
                throw new InvalidResourceException(field, "'" + text + "' has " + n + " field" + (n == 1 ? "" : "s")
                        + ": give five (minute hour day-of-month month day-of-week) or six (seconds first)");
            }
            Cron cron;
            try {
                cron = (n == 5 ? FIVE : SIX).parse(fields.trim()).validate();
            } catch (IllegalArgumentException e) {
                throw new InvalidResourceException(field, "invalid cron expression '" + text + "': " + reason(e));
            }
            CronSchedule s = new CronSchedule(text, cron);
            if (s.next(PROBE, ZoneOffset.UTC).isEmpty()) {
                throw new InvalidResourceException(field, "'" + text + "' never fires (no date matches it, such as February 30): check the day and month fields");
            }
            return s;
        }

        private static String reason(IllegalArgumentException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            return m.replaceFirst("^Failed to parse cron expression\\. ", "").replaceFirst("^Failed to parse '[^']*'\\. ", "");
        }

        @Override
        public Optional<Instant> next(Instant after, ZoneId zone) {
            return ExecutionTime.forCron(cron).nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
        }
    }
}
