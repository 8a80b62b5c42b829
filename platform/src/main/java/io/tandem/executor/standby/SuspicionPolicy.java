package io.tandem.executor.standby;

import io.tandem.executor.ProcessStates;
import java.time.Duration;

/**
 * Decides whether a suspected active is failed over: an active silent past its threshold may be dead, hung or frozen,
 * but on a busy machine it is far more often only slow, and failing a slow active over adds work (a new standby to
 * start) to a machine that has none to spare: the failover storm. So a suspicion is confirmed first. Pure; thread-safe.
 *
 * <p>In order:
 * <ol>
 *   <li>Its process is gone: certain, fail over.</li>
 *   <li>The standby is no healthier (not ready, late itself, or stopped): failing over cannot help; wait.</li>
 *   <li>Its process is stopped (SIGSTOP, a frozen node): it answers nothing until continued; fail over.</li>
 *   <li>Most other probed instances are late too: the whole machine is slow, not this instance; wait.</li>
 *   <li>It became active less than {@code hold} ago: a new active is given time before a suspicion may move it, so a
 *       function fails over on suspicion at most once per hold.</li>
 *   <li>Its process runs (or its state cannot be read): fail over only when it has been silent for longer than
 *       {@code hung} (and ten thresholds): it is alive but hung.</li>
 * </ol>
 *
 * <p>A failover of a process that may still run waits for the lease it was granted to lapse; that is the caller's
 * part (it stops renewing the lease first).
 */
public record SuspicionPolicy(Duration hold, Duration hung) {
    /** A new active's grace; and an alive process is called hung after this much silence (or ten thresholds). */
    public static SuspicionPolicy defaults() {
        return new SuspicionPolicy(Duration.ofSeconds(10), Duration.ofSeconds(3));
    }

    /**
     * The facts about one suspected active.
     *
     * @param process         its process's state
     * @param silence         how long it has not answered a probe
     * @param threshold       the silence it is allowed (its learnt threshold)
     * @param standby         the standby's state: {@code null} when there is no ready standby
     * @param othersLate      how many other probed instances are late right now
     * @param others          how many other instances are probed
     * @param activeFor       how long it has been the active
     */
    public record Facts(ProcessStates.State process, Duration silence, Duration threshold,
                        StandbyHealth standby, int othersLate, int others, Duration activeFor) {
    }

    /** The ready standby's health: whether it is late itself, and its process's state. */
    public record StandbyHealth(boolean late, ProcessStates.State process) {
        boolean healthy() {
            return !late && (process == ProcessStates.State.RUNNING || process == ProcessStates.State.UNKNOWN);
        }
    }

    public sealed interface Verdict {
        String why();
    }

    /** Fail the active over now. */
    public record FailOver(String why) implements Verdict {
    }

    /** Keep the active; {@code why} says what spoke against failing it over. */
    public record Keep(String why) implements Verdict {
    }

    public Verdict decide(Facts f) {
        String silent = "silent for " + millis(f.silence()) + " (threshold " + millis(f.threshold()) + ")";
        if (f.process() == ProcessStates.State.GONE) return new FailOver("its process is gone; " + silent);
        if (f.standby() == null) return new Keep("no ready standby to take over");
        if (!f.standby().healthy()) {
            return new Keep("the standby is no healthier (" + (f.standby().late() ? "late too" : "its process is " + lower(f.standby().process())) + ")");
        }
        if (f.process() == ProcessStates.State.STOPPED) {
            return new FailOver("its process is stopped; " + silent);
        }
        if (f.others() >= 2 && f.othersLate() * 2 > f.others()) {
            return new Keep("the machine is slow, not this instance: " + f.othersLate() + " of " + f.others() + " other probed instances are late too");
        }
        if (f.activeFor().compareTo(hold) < 0) {
            return new Keep("it became active " + millis(f.activeFor()) + " ago; a new active is held for " + millis(hold));
        }
        Duration hungAfter = max(hung, f.threshold().multipliedBy(10));
        if (f.silence().compareTo(hungAfter) < 0) {
            return new Keep("its process " + (f.process() == ProcessStates.State.RUNNING ? "runs" : "may run")
                    + ": slow, not dead, until silent for " + millis(hungAfter));
        }
        return new FailOver("its process runs but has been " + silent + ": hung");
    }

    /**
     * A late standby serves nothing, so there is no hurry: it is replaced when its process is gone or stopped, or
     * when it runs but has been silent for longer than {@code hung} on a machine that is not slow as a whole.
     * Replacing a merely slow standby would only add a start to a busy machine.
     */
    public Verdict decideStandby(ProcessStates.State process, Duration silence, Duration threshold, int othersLate, int others) {
        String silent = "silent for " + millis(silence) + " (threshold " + millis(threshold) + ")";
        if (process == ProcessStates.State.GONE || process == ProcessStates.State.STOPPED) {
            return new FailOver("its process is " + lower(process) + "; " + silent);
        }
        if (others >= 2 && othersLate * 2 > others) return new Keep("the machine is slow, not this instance");
        Duration hungAfter = max(hung, threshold.multipliedBy(10));
        if (silence.compareTo(hungAfter) < 0) return new Keep("its process runs: slow, not dead, until silent for " + millis(hungAfter));
        return new FailOver("its process runs but has been " + silent + ": hung");
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static String millis(Duration d) {
        return d.toMillis() + " ms";
    }

    private static String lower(ProcessStates.State s) {
        return s.name().toLowerCase(java.util.Locale.ROOT);
    }
}
