package io.tandem.timer;

import io.tandem.model.Change;
import io.tandem.model.ClusterEvent;
import io.tandem.model.InvalidResourceException;
import io.tandem.model.Schedule;
import io.tandem.model.TimeTrigger;
import io.tandem.timer.FiringJournal.Entry;
import io.tandem.timer.FiringJournal.LastFiring;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires the time triggers it reads from the change feed, each through a {@link FiringSender}.
 *
 * <p>Design note. A timer's firings are the instants of its {@link Schedule}, a pure function of time, so they are
 * the same before and after a restart. Each timer keeps {@code handledUpTo}, the latest firing it fired or skipped,
 * and the {@link FiringJournal} keeps it on disk. On a tick at {@code now}, a timer whose next firing is due takes
 * the latest firing {@code f} in {@code (max(handledUpTo, now - CATCH_UP), now]}: firings older than
 * {@link #CATCH_UP} are missed (reported, never sent), and several due at once (after a restart, a stall) collapse
 * into the latest. It <em>skips</em> {@code f} when the timer's previous firing still runs (the overlap policy: never
 * two firings of one timer at once, never a queue), otherwise it <em>fires</em> {@code f}. Either way it first
 * writes {@code handledUpTo = f} to the journal (fsynced), and only then sends.
 *
 * <p>Semantics: at most once per firing. A firing is never sent twice, even across a kill -9, because its instant is
 * on disk before the request leaves; a crash between that write and the send loses that one firing, which is the
 * price of never doubling it (a duplicate of a non-idempotent function is worse than a miss, and the window is the
 * moment between the write and the send). A firing that fell due while the server was down, no more than a minute before it
 * came back, is sent once when it starts. Once sent, the router applies the function's strategy (retry,
 * active-standby, replicate) to the request, as to any other; each request carries {@code X-Tandem-Firing} so a
 * function can drop a repeat that a strategy re-sent.
 *
 * <p>Events: every skipped, failed or missed firing is a cluster event; a firing that succeeded is one only when the
 * timer's previous firing (in this process) did not, so a timer that fires each second reports its first success
 * and each recovery without pushing the cluster's other events out of the store. {@link FiringJournal} counts them
 * all.
 *
 * <p>Threads. One lock ({@code this}) guards the timers and the order of journal writes. Three kinds of thread take
 * it briefly: the feed's delivery thread ({@link #accept}), the ticker {@code timer-scheduler} ({@link #tick}), and
 * the sender's completion threads. Sending and emitting events happen outside the lock.
 */
public final class TimerScheduler implements Consumer<Change>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TimerScheduler.class);
    /** How far back a firing missed while the server was down is still sent once when it starts. */
    public static final Duration CATCH_UP = Duration.ofMinutes(1);
    /** The ticker wakes at least this often, so a new timer or a jump of the clock is seen soon. */
    static final Duration MAX_WAIT = Duration.ofSeconds(1);

    private final InstantSource clock;
    private final ZoneId zone;
    private final FiringJournal journal;
    private final FiringSender sender;
    private final Consumer<ClusterEvent> events;
    private final Map<String, Timer> timers = new HashMap<>(); // guarded by this
    private ScheduledExecutorService ticker; // set once by start
    private volatile boolean closed;

    /** A timer as the scheduler holds it; every field guarded by the scheduler. */
    private static final class Timer {
        TimeTrigger trigger;
        Schedule schedule;
        Instant handledUpTo;
        Instant due; // the first firing after handledUpTo, or null if it never fires again
        Firing running; // the firing sent and not yet answered
        boolean succeeding; // the last firing this process saw answered with a 2xx

        void handled(Instant scheduled, ZoneId zone) {
            handledUpTo = scheduled;
            due = schedule.next(scheduled, zone).orElse(null);
        }
    }

    /**
     * What a tick decided for one timer: send {@code firing}, skip it, or neither (null: nothing due recently);
     * {@code missedFrom}, when not null, is the first of the firings too old to send.
     */
    record Decision(String trigger, String function, Firing firing, boolean skip, Instant missedFrom) {
    }

    /**
     * {@code zone}: where cron fields are read (the server's zone in production). {@code events}: where firings are
     * reported; it must return at once.
     */
    public TimerScheduler(InstantSource clock, ZoneId zone, FiringJournal journal, FiringSender sender, Consumer<ClusterEvent> events) {
        this.clock = clock;
        this.zone = zone;
        this.journal = journal;
        this.sender = sender;
        this.events = events;
    }

    /** Starts the ticker thread. Tests call {@link #tick} themselves instead. */
    public synchronized TimerScheduler start() {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("timer-scheduler").unstarted(r));
        ticker.execute(this::loop);
        return this;
    }

    @Override
    public void close() {
        closed = true;
        ScheduledExecutorService t;
        synchronized (this) {
            t = ticker;
        }
        if (t != null) t.shutdownNow();
    }

    /** Takes in a change of a time trigger; other kinds are ignored. Called on the feed's thread. */
    @Override
    public void accept(Change change) {
        if (!(change.resource() instanceof TimeTrigger trigger)) return;
        synchronized (this) {
            if (change.type() == Change.Type.DELETED) {
                timers.remove(trigger.name());
                try {
                    journal.remove(trigger.name());
                } catch (RuntimeException e) {
                    // Harmless: a timer created again under this name starts from its own creation anyway.
                    log.warn("time trigger '{}' was deleted but stays in the journal: {}", trigger.name(), e.toString());
                }
                return;
            }
            Schedule schedule;
            try {
                schedule = trigger.spec().schedule();
            } catch (InvalidResourceException e) {
                // The controller admits only valid schedules; one that no longer parses cannot fire.
                log.warn("time trigger '{}' has a schedule this server cannot read, so it does not fire: {}", trigger.name(), e.getMessage());
                timers.remove(trigger.name());
                return;
            }
            Timer t = timers.get(trigger.name());
            if (t == null) {
                t = new Timer();
                t.handledUpTo = firstHandled(trigger);
                timers.put(trigger.name(), t);
            }
            t.trigger = trigger;
            t.schedule = schedule;
            t.handled(t.handledUpTo, zone);
        }
    }

    /**
     * A timer seen for the first time by this process has handled everything up to what the journal says, and
     * nothing before it existed: a trigger deleted and created again under its name starts afresh.
     */
    private Instant firstHandled(TimeTrigger trigger) {
        Instant created = trigger.metadata().created() != null ? trigger.metadata().created() : clock.instant();
        Optional<Instant> journaled = journal.get(trigger.name()).map(Entry::handledUpTo);
        return journaled.filter(j -> j.isAfter(created)).orElse(created);
    }

    /** Fires or skips every firing due now; returns how long until the next one may be due. */
    public Duration tick() {
        Instant now = clock.instant();
        List<Decision> decisions = new ArrayList<>();
        Duration wait = MAX_WAIT;
        synchronized (this) {
            for (var e : timers.entrySet()) {
                Timer t = e.getValue();
                if (t.due != null && !t.due.isAfter(now)) {
                    try {
                        decide(e.getKey(), t, now).ifPresent(decisions::add);
                    } catch (RuntimeException failure) {
                        // Most likely the journal could not be written: send nothing, try again in MAX_WAIT.
                        log.error("time trigger '{}' cannot record its firing, so it does not fire now: {}", e.getKey(), failure.toString());
                        continue;
                    }
                }
                if (t.due != null) {
                    Duration until = Duration.between(now, t.due);
                    if (until.compareTo(wait) < 0) wait = until;
                }
            }
        }
        for (Decision d : decisions) act(d, now);
        return wait.isNegative() || wait.isZero() ? Duration.ofMillis(1) : wait;
    }

    /** Picks the firing to handle now, records it as handled, and says whether to send or skip it. */
    private Optional<Decision> decide(String name, Timer t, Instant now) {
        Instant horizon = now.minus(CATCH_UP);
        Instant missedFrom = t.due.isBefore(horizon) ? t.due : null;
        Instant from = t.handledUpTo.isAfter(horizon) ? t.handledUpTo : horizon;
        Instant f = latestFiring(t.schedule, from, now);
        if (f == null) { // every due firing is older than CATCH_UP
            t.handled(horizon, zone);
            journal.put(name, entry(name).handled(horizon));
            return Optional.of(new Decision(name, t.trigger.spec().function(), null, false, missedFrom));
        }
        Entry before = entry(name);
        Firing firing = new Firing(name, f, t.trigger.spec());
        boolean skip = t.running != null;
        Entry after = skip
                ? new Entry(f, before.last(), before.fired(), before.skipped() + 1, before.failed())
                : new Entry(f, new LastFiring(f, now, LastFiring.RUNNING, null, null, null), before.fired() + 1, before.skipped(), before.failed());
        journal.put(name, after); // on disk before anything is sent: a restart never sends f again
        t.handled(f, zone);
        if (!skip) t.running = firing;
        return Optional.of(new Decision(name, t.trigger.spec().function(), firing, skip, missedFrom));
    }

    /** The latest firing in {@code (from, now]}, or null. */
    private Instant latestFiring(Schedule schedule, Instant from, Instant now) {
        Instant latest = null;
        for (Instant n = schedule.next(from, zone).orElse(null); n != null && !n.isAfter(now); n = schedule.next(n, zone).orElse(null)) {
            latest = n;
        }
        return latest;
    }

    private Entry entry(String name) {
        return journal.get(name).orElse(new Entry(null, null, 0, 0, 0));
    }

    private void act(Decision d, Instant now) {
        if (d.missedFrom() != null) {
            log.info("time trigger '{}': firings due from {} to {} were missed", d.trigger(), d.missedFrom(), now.minus(CATCH_UP));
            emit(ClusterEvent.TIMER_MISSED, d.function(), "timer '" + d.trigger() + "' did not send its firings due from " + d.missedFrom()
                    + " to " + now.minus(CATCH_UP) + ": they were due more than " + CATCH_UP.toSeconds() + " s before the scheduler ran");
        }
        Firing f = d.firing();
        if (f == null) return;
        if (d.skip()) {
            log.info("time trigger '{}': skipped the firing due at {}: the previous one still runs", f.trigger(), f.scheduled());
            emit(ClusterEvent.TIMER_SKIPPED, f.spec().function(), "timer '" + f.trigger() + "' skipped the firing due at " + f.scheduled()
                    + ": its previous firing still runs");
            return;
        }
        log.debug("time trigger '{}': firing {} ({} ms late)", f.trigger(), f.scheduled(), Duration.between(f.scheduled(), now).toMillis());
        try {
            sender.send(f).whenComplete((status, error) -> finished(f, now, status, error));
        } catch (RuntimeException e) {
            finished(f, now, null, e);
        }
    }

    private void finished(Firing f, Instant sent, Integer status, Throwable error) {
        Instant at = clock.instant();
        boolean ok = error == null && status != null && status / 100 == 2;
        String detail = error != null ? "no answer: " + (error.getCause() != null ? error.getCause() : error)
                : "answered " + status + " in " + Duration.between(sent, at).toMillis() + " ms";
        boolean report;
        synchronized (this) {
            Timer t = timers.get(f.trigger());
            if (t != null && f.equals(t.running)) t.running = null;
            report = !ok || t == null || !t.succeeding;
            if (t != null) t.succeeding = ok;
            Optional<Entry> before = journal.get(f.trigger());
            if (t != null && before.isPresent() && !closed) {
                Entry e = before.get();
                LastFiring last = new LastFiring(f.scheduled(), sent, ok ? LastFiring.SUCCEEDED : LastFiring.FAILED, status, at, detail);
                try {
                    journal.put(f.trigger(), new Entry(e.handledUpTo(), last, e.fired(), e.skipped(), e.failed() + (ok ? 0 : 1)));
                } catch (RuntimeException failure) {
                    log.warn("time trigger '{}': cannot record the outcome of the firing due at {}: {}", f.trigger(), f.scheduled(), failure.toString());
                }
            }
        }
        if (!ok) log.info("time trigger '{}': the firing due at {} failed: {}", f.trigger(), f.scheduled(), detail);
        if (report) emit(ok ? ClusterEvent.TIMER_FIRED : ClusterEvent.TIMER_FAILED, f.spec().function(),
                "timer '" + f.trigger() + "' firing due at " + f.scheduled() + " " + detail);
    }

    private void emit(String type, String function, String detail) {
        try {
            events.accept(ClusterEvent.of(clock.instant(), type, function, null, null, detail));
        } catch (RuntimeException e) {
            log.warn("cannot report a {} event: {}", type, e.toString());
        }
    }

    private void loop() {
        if (closed) return;
        Duration wait = MAX_WAIT;
        try {
            wait = tick();
        } catch (RuntimeException e) {
            log.error("the timer scheduler's tick failed; trying again in {} ms", wait.toMillis(), e);
        }
        if (closed) return;
        try {
            ticker.schedule(this::loop, Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // closed meanwhile
        }
    }
}
