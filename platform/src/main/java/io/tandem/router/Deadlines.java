package io.tandem.router;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * The timeouts of one event loop's calls, kept without a timer per call.
 *
 * <p>Calls with the same timeout expire in the order they start, so the calls of each timeout wait in one list in
 * that order, and one timer waits for the first of them. A call that ends leaves its list at once and leaves the
 * timer be; the timer, when it fires, expires what is due and waits again for the list's new first call, if any. A
 * busy function thus costs a list insertion and removal per call instead of setting and cancelling a timer (a map
 * entry and a priority queue's insertion and removal each). The lists are as many as the distinct timeouts seen,
 * as few as the functions.
 *
 * <p>Confined to its event loop: started, cancelled and expired there only.
 */
final class Deadlines {
    private final Vertx vertx;
    private final List<Line> lines = new ArrayList<>();

    Deadlines(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Runs {@code expire} once {@code timeoutMillis} have passed, unless the deadline is cancelled first. */
    Deadline start(long timeoutMillis, Runnable expire) {
        Deadline d = new Deadline(System.nanoTime() + timeoutMillis * 1_000_000, expire);
        lineOf(timeoutMillis).add(d);
        return d;
    }

    private Line lineOf(long timeoutMillis) {
        for (Line line : lines) {
            if (line.timeoutMillis == timeoutMillis) return line;
        }
        Line line = new Line(timeoutMillis);
        lines.add(line);
        return line;
    }

    /** One call's deadline. */
    static final class Deadline {
        private final long at;
        private final Runnable expire;
        private Line line;
        private Deadline previous;
        private Deadline next;

        private Deadline(long at, Runnable expire) {
            this.at = at;
            this.expire = expire;
        }

        /** The call ended in time: it never expires. Harmless once expired or cancelled. */
        void cancel() {
            if (line != null) line.remove(this);
        }
    }

    /** The deadlines of one timeout, earliest first, and whether a timer is waiting for the first. */
    private final class Line {
        final long timeoutMillis;
        Deadline first;
        Deadline last;
        boolean timerSet;

        Line(long timeoutMillis) {
            this.timeoutMillis = timeoutMillis;
        }

        void add(Deadline d) {
            d.line = this;
            d.previous = last;
            if (last == null) first = d;
            else last.next = d;
            last = d;
            if (!timerSet) waitFor(d.at);
        }

        void remove(Deadline d) {
            if (d.previous == null) first = d.next;
            else d.previous.next = d.next;
            if (d.next == null) last = d.previous;
            else d.next.previous = d.previous;
            d.line = null;
            d.previous = null;
            d.next = null;
        }

        private void waitFor(long at) {
            timerSet = true;
            long millis = Math.max(1, (at - System.nanoTime() + 999_999) / 1_000_000);
            vertx.setTimer(millis, id -> {
                timerSet = false;
                long now = System.nanoTime();
                while (first != null && now - first.at >= 0) {
                    Deadline due = first;
                    remove(due);
                    due.expire.run();
                }
                if (first != null && !timerSet) waitFor(first.at);
            });
        }
    }
}
