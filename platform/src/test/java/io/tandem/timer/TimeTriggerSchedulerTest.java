package io.tandem.timer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.Change;
import io.tandem.model.ClusterEvent;
import io.tandem.model.Metadata;
import io.tandem.model.TimeTrigger;
import io.tandem.model.TimeTriggerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeTriggerSchedulerTest {
    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00.500Z");

    @TempDir
    Path dir;
    Path journalFile;
    ManualClock clock;
    FakeSender sender;
    List<ClusterEvent> events;

    @BeforeEach
    void setUp() {
        journalFile = dir.resolve("timers/firings.json");
        clock = new ManualClock(CREATED);
        sender = new FakeSender();
        events = new CopyOnWriteArrayList<>();
    }

    private TimerScheduler scheduler() {
        return new TimerScheduler(clock, ZoneOffset.UTC, FiringJournal.open(journalFile), sender, events::add);
    }

    private static Change added(String name, String cron) {
        return new Change(1, Change.Type.ADDED, timer(name, cron));
    }

    private static TimeTrigger timer(String name, String cron) {
        return new TimeTrigger(new Metadata(name, 1, CREATED, CREATED), new TimeTriggerSpec("hello", cron, null, "/tick", null));
    }

    private List<String> eventTypes() {
        return events.stream().map(ClusterEvent::type).toList();
    }

    @Test
    void firesEachFiringOnceWhenItFallsDue() {
        TimerScheduler s = scheduler();
        s.accept(added("tick", "@every 10s"));
        s.tick();
        assertThat(sender.sent).isEmpty();
        clock.set(Instant.parse("2026-01-01T00:00:10Z"));
        s.tick();
        s.tick();
        assertThat(sender.scheduled()).containsExactly(Instant.parse("2026-01-01T00:00:10Z"));
        assertThat(sender.sent.getFirst().firing().spec().path()).isEqualTo("/tick");
        sender.answerAll(200);
        clock.set(Instant.parse("2026-01-01T00:00:20.003Z"));
        s.tick();
        assertThat(sender.scheduled()).containsExactly(Instant.parse("2026-01-01T00:00:10Z"), Instant.parse("2026-01-01T00:00:20Z"));
        assertThat(eventTypes()).containsExactly(ClusterEvent.TIMER_FIRED);
    }

    @Test
    void reportsTheFirstSuccessAndEachFailureButNotEverySuccess() {
        TimerScheduler s = scheduler();
        s.accept(added("tick", "@every 10s"));
        for (int status : new int[]{200, 200, 500, 200, 200}) {
            clock.advance(Duration.ofSeconds(10));
            s.tick();
            sender.sent.getLast().answer().complete(status);
        }
        assertThat(sender.sent).hasSize(5);
        assertThat(eventTypes()).containsExactly(ClusterEvent.TIMER_FIRED, ClusterEvent.TIMER_FAILED, ClusterEvent.TIMER_FIRED);
        FiringJournal.Entry e = FiringJournal.read(journalFile).get("tick");
        assertThat(e.fired()).isEqualTo(5);
        assertThat(e.failed()).isEqualTo(1);
    }

    @Test
    void tickSaysHowLongUntilTheNextFiring() {
        TimerScheduler s = scheduler();
        s.accept(added("tick", "@every 10s"));
        clock.set(Instant.parse("2026-01-01T00:00:09.750Z"));
        assertThat(s.tick()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void journalsTheFiringBeforeSendingIt() {
        List<Instant> onDiskWhenSent = new CopyOnWriteArrayList<>();
        sender = new FakeSender(f -> onDiskWhenSent.add(FiringJournal.read(journalFile).get(f.trigger()).handledUpTo()));
        TimerScheduler s = scheduler();
        s.accept(added("tick", "@every 10s"));
        clock.set(Instant.parse("2026-01-01T00:00:10Z"));
        s.tick();
        assertThat(onDiskWhenSent).containsExactly(Instant.parse("2026-01-01T00:00:10Z"));
    }

    @Test
    void skipsAFiringWhileThePreviousOneStillRuns() {
        TimerScheduler s = scheduler();
        s.accept(added("tick", "@every 10s"));
        clock.set(Instant.parse("2026-01-01T00:00:10Z"));
        s.tick();
        clock.set(Instant.parse("2026-01-01T00:00:20Z"));
        s.tick(); // the firing of :10 has not answered
        assertThat(sender.scheduled()).containsExactly(Instant.parse("2026-01-01T00:00:10Z"));
        assertThat(eventTypes()).containsExactly(ClusterEvent.TIMER_SKIPPED);
        assertThat(FiringJournal.read(journalFile).get("tick").skipped()).isEqualTo(1);

        sender.answerAll(200);
        clock.set(Instant.parse("2026-01-01T00:00:30Z"));
        s.tick();
        assertThat(sender.scheduled()).containsExactly(Instant.parse("2026-01-01T00:00:10Z"), Instant.parse("2026-01-01T00:00:30Z"));
        // The skipped firing is not sent late either: skipping is the decision for it.
        assertThat(eventTypes()).containsExactly(ClusterEvent.TIMER_SKIPPED, ClusterEvent.TIMER_FIRED);
    }

    @Test
    void recordsAFailedAnswerAndFiresAgainNextTime() {
        TimerScheduler s = scheduler();
        s.accept(added("tick", "@every 10s"));
        clock.set(Instant.parse("2026-01-01T00:00:10Z"));
        s.tick();
        clock.advance(Duration.ofMillis(40));
        sender.sent.getFirst().answer().complete(503);
        FiringJournal.Entry e = FiringJournal.read(journalFile).get("tick");
        assertThat(e.last().outcome()).isEqualTo(FiringJournal.LastFiring.FAILED);
        assertThat(e.last().status()).isEqualTo(503);
        assertThat(e.failed()).isEqualTo(1);
        assertThat(events.getFirst().type()).isEqualTo(ClusterEvent.TIMER_FAILED);
        assertThat(events.getFirst().detail()).contains("tick", "503");
        clock.set(Instant.parse("2026-01-01T00:00:20Z"));
        s.tick();
        assertThat(sender.sent).hasSize(2);
    }

    @Test
    void neverFiresAFiringTwiceAcrossARestart() {
        TimerScheduler before = scheduler();
        before.accept(added("tick", "@every 10s"));
        clock.set(Instant.parse("2026-01-01T00:00:10Z"));
        before.tick();
        // Killed while the firing ran: a new scheduler on the same journal, a moment later, sees the same trigger.
        clock.set(Instant.parse("2026-01-01T00:00:10.400Z"));
        TimerScheduler after = scheduler();
        after.accept(added("tick", "@every 10s"));
        after.tick();
        assertThat(sender.scheduled()).containsExactly(Instant.parse("2026-01-01T00:00:10Z"));
        clock.set(Instant.parse("2026-01-01T00:00:20Z"));
        after.tick();
        assertThat(sender.scheduled()).containsExactly(Instant.parse("2026-01-01T00:00:10Z"), Instant.parse("2026-01-01T00:00:20Z"));
    }

    @Test
    void catchesUpOnceOnAFiringMissedWithinTheMinuteBeforeARestart() {
        TimerScheduler before = scheduler();
        before.accept(added("tick", "@every 10s"));
        clock.set(Instant.parse("2026-01-01T00:00:10Z"));
        before.tick();
        // Down from :12 to :45: the firings of :20, :30 and :40 were due meanwhile.
        clock.set(Instant.parse("2026-01-01T00:00:45Z"));
        TimerScheduler after = scheduler();
        after.accept(added("tick", "@every 10s"));
        after.tick();
        after.tick();
        assertThat(sender.scheduled()).containsExactly(Instant.parse("2026-01-01T00:00:10Z"), Instant.parse("2026-01-01T00:00:40Z"));
        sender.answerAll(200);
        clock.set(Instant.parse("2026-01-01T00:00:50Z"));
        after.tick();
        assertThat(sender.scheduled()).endsWith(Instant.parse("2026-01-01T00:00:50Z")).hasSize(3);
    }

    @Test
    void missesFiringsDueMoreThanAMinuteBeforeARestart() {
        TimerScheduler before = scheduler();
        before.accept(added("hourly", "0 * * * *"));
        clock.set(Instant.parse("2026-01-01T01:00:00Z"));
        before.tick();
        sender.answerAll(200);
        clock.set(Instant.parse("2026-01-01T02:05:00Z")); // the firing of 02:00 is five minutes old
        TimerScheduler after = scheduler();
        after.accept(added("hourly", "0 * * * *"));
        after.tick();
        assertThat(sender.scheduled()).containsExactly(Instant.parse("2026-01-01T01:00:00Z"));
        assertThat(eventTypes()).contains(ClusterEvent.TIMER_MISSED);
        clock.set(Instant.parse("2026-01-01T03:00:00Z"));
        after.tick();
        assertThat(sender.scheduled()).containsExactly(Instant.parse("2026-01-01T01:00:00Z"), Instant.parse("2026-01-01T03:00:00Z"));
    }

    @Test
    void aNewTimerDoesNotFireForTimesBeforeItExisted() {
        clock.set(Instant.parse("2026-01-01T00:00:30Z"));
        TimerScheduler s = scheduler();
        // Created at 00:00:00.500, first seen at 00:00:30: the firings of :10, :20 and :30 are after its creation.
        s.accept(added("tick", "@every 10s"));
        s.tick();
        assertThat(sender.scheduled()).containsExactly(Instant.parse("2026-01-01T00:00:30Z"));
        // One created at :29 with a firing each minute has nothing due at :30.
        TimeTrigger recreated = new TimeTrigger(new Metadata("minutely", 1, Instant.parse("2026-01-01T00:00:29Z"), null),
                new TimeTriggerSpec("hello", "@every 1m", null, null, null));
        s.accept(new Change(2, Change.Type.ADDED, recreated));
        s.tick();
        assertThat(sender.sent).hasSize(1);
    }

    @Test
    void aDeletedTimerStopsFiringAndLeavesTheJournal() {
        TimerScheduler s = scheduler();
        s.accept(added("tick", "@every 10s"));
        clock.set(Instant.parse("2026-01-01T00:00:10Z"));
        s.tick();
        s.accept(new Change(2, Change.Type.DELETED, timer("tick", "@every 10s")));
        clock.set(Instant.parse("2026-01-01T00:00:20Z"));
        s.tick();
        assertThat(sender.sent).hasSize(1);
        assertThat(FiringJournal.read(journalFile)).doesNotContainKey("tick");
    }

    @Test
    void aChangedScheduleAppliesFromTheNextFiring() {
        TimerScheduler s = scheduler();
        s.accept(added("tick", "@every 10s"));
        s.accept(new Change(2, Change.Type.MODIFIED, timer("tick", "@every 1m")));
        clock.set(Instant.parse("2026-01-01T00:00:50Z"));
        s.tick();
        assertThat(sender.sent).isEmpty();
        clock.set(Instant.parse("2026-01-01T00:01:00Z"));
        s.tick();
        assertThat(sender.scheduled()).containsExactly(Instant.parse("2026-01-01T00:01:00Z"));
    }

    @Test
    void doesNotFireWhenTheJournalCannotBeWritten() throws IOException {
        Files.createDirectories(journalFile.getParent().getParent());
        Files.writeString(journalFile.getParent(), "a file where the journal's directory should be");
        TimerScheduler s = scheduler();
        s.accept(added("tick", "@every 10s"));
        clock.set(Instant.parse("2026-01-01T00:00:10Z"));
        assertThat(s.tick()).as("tries again a moment later, without spinning").isEqualTo(TimerScheduler.MAX_WAIT);
        assertThat(sender.sent).isEmpty();
    }
}
