package io.tandem.controller;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.model.Json;
import io.tandem.model.TimeTrigger;
import io.tandem.timer.FiringJournal;
import java.nio.file.Path;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.Map;

/**
 * The {@code status} the API adds to a time trigger: its next firings, computed from its schedule in this machine's
 * zone (the scheduler's, which runs beside this controller), and what it last did, read from the scheduler's
 * {@link FiringJournal} in {@code TANDEM_HOME}. Thread-safe: it only reads.
 */
final class TimerStatus {
    static final int MAX_NEXT = 100;

    private final Path journal;
    private final InstantSource clock;
    private final ZoneId zone;

    TimerStatus(Path journal, InstantSource clock, ZoneId zone) {
        this.journal = journal;
        this.clock = clock;
        this.zone = zone;
    }

    Map<String, FiringJournal.Entry> entries() {
        return FiringJournal.read(journal);
    }

    /** {@code {"next": [...], "zone": ..., "lastFiring": {...}, "fired": n, "skipped": n, "failed": n}}. */
    ObjectNode of(TimeTrigger t, int nextCount, Map<String, FiringJournal.Entry> entries) {
        ObjectNode status = Json.MAPPER.createObjectNode();
        ArrayNode next = status.putArray("next");
        t.spec().schedule().next(clock.instant(), zone, nextCount).forEach(i -> next.add(i.atZone(zone).toOffsetDateTime().toString()));
        status.put("zone", zone.getId());
        FiringJournal.Entry e = entries.get(t.name());
        if (e != null && (t.metadata().created() == null || e.handledUpTo() == null || !e.handledUpTo().isBefore(t.metadata().created()))) {
            if (e.last() != null) status.set("lastFiring", Json.MAPPER.valueToTree(e.last()));
            status.put("fired", e.fired());
            status.put("skipped", e.skipped());
            status.put("failed", e.failed());
        }
        return status;
    }
}
