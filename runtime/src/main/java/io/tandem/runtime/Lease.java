package io.tandem.runtime;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Fencing by lease: whether this instance may still serve as its function's active instance.
 *
 * <p>An instance that never received a lease serves requests that name no epoch (strategies without fencing) and
 * refuses those that do. Once the executor's
 * health probe grants one ({@code GET /_/health?epoch=N&lease=MS}), the instance serves only while the newest
 * grant lasts and only requests for its own epoch. The probe renews it every interval; an instance whose node was
 * frozen finds on waking that its lease ran out meanwhile (the monotonic clock runs on while a process is stopped),
 * so it refuses every request until it hears from the executor again, which by then has promoted another instance
 * and does not renew this one. A grant for an older epoch than the one held is refused: the prober is stale.
 *
 * <p>Thread-safe and lock-free: probes renew on one thread while invocations check on others.
 */
final class Lease {
    private record Grant(long epoch, long untilNanos) {
    }

    private final AtomicReference<Grant> grant = new AtomicReference<>();
    private final LongSupplier nanoTime;

    Lease(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    static Lease systemLease() {
        return new Lease(System::nanoTime);
    }

    /**
     * How much of a grant issued at {@code issuedWallMillis} for {@code leaseMillis} is left at {@code nowWallMillis}
     * (0 when none). A probe can wait in the socket of a frozen process and be read only when it wakes: measured from
     * its issue, such a grant has run out, so it cannot revive an old active. Node clocks must agree to well within a
     * lease (on one machine they are the same clock).
     */
    static long remaining(long issuedWallMillis, long leaseMillis, long nowWallMillis) {
        return Math.max(0, Math.min(leaseMillis, issuedWallMillis + leaseMillis - nowWallMillis));
    }

    /**
     * Grants or renews the lease for {@code epoch} for what is left at {@code nowWallMillis} of a grant of
     * {@code leaseMillis} issued at {@code issuedWallMillis} (see {@link #remaining}); false (and nothing changes)
     * when a newer epoch is held. A grant with nothing left changes nothing.
     */
    boolean renew(long epoch, long leaseMillis, long issuedWallMillis, long nowWallMillis) {
        long millis = remaining(issuedWallMillis, leaseMillis, nowWallMillis);
        return millis <= 0 || renew(epoch, millis);
    }

    /** Grants or renews the lease for {@code epoch}; false (and nothing changes) when a newer epoch is held. */
    boolean renew(long epoch, long millis) {
        long until = nanoTime.getAsLong() + millis * 1_000_000;
        while (true) {
            Grant current = grant.get();
            if (current != null && epoch < current.epoch()) return false;
            if (grant.compareAndSet(current, new Grant(epoch, until))) return true;
        }
    }

    /** The epoch of the newest grant, or 0 when none was ever granted. */
    long epoch() {
        Grant g = grant.get();
        return g == null ? 0 : g.epoch();
    }

    /**
     * Why this instance must not serve a request that names {@code requestEpoch} (null when the request names none),
     * or null when it may.
     */
    String refusal(String requestEpoch) {
        Grant g = grant.get();
        if (g == null) {
            // A request naming an epoch comes from a router that holds this instance as an active: it serves only
            // once the executor's probe has granted it that epoch's lease (a few ms after it was made active).
            return requestEpoch == null ? null : "the request is for epoch " + requestEpoch + " but this instance holds no lease yet";
        }
        if (requestEpoch != null && !requestEpoch.equals(Long.toString(g.epoch()))) {
            return "the request is for epoch " + requestEpoch + " but this instance holds epoch " + g.epoch();
        }
        long overdue = nanoTime.getAsLong() - g.untilNanos();
        if (overdue > 0) {
            return "the lease of epoch " + g.epoch() + " ran out " + overdue / 1_000_000 + " ms ago; another instance may be active";
        }
        return null;
    }
}
