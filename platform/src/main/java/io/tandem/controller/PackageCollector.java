package io.tandem.controller;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tandem.controller.store.ResourceStore;
import io.tandem.model.Function;
import io.tandem.model.Resource.Kind;
import io.tandem.packages.PackageStore;
import io.tandem.packages.PackageStore.Collected;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the code packages that no function in the controller's store refers to, once they were stored (or
 * uploaded again) longer ago than a grace period, so that a package uploaded for a function not yet created
 * survives until the create arrives. Logs each collection that deleted something, and counts packages and bytes in
 * {@code tandem_packages_collected_total} and {@code tandem_packages_collected_bytes_total}; the store's use and quota are
 * the gauges {@code tandem_packages_bytes} and {@code tandem_packages_quota_bytes}.
 *
 * <p>Design note (threads). Deciding and deleting happen together on the store's owner thread, inside one write
 * transaction: the functions are listed and the unreferenced packages deleted before any other transaction runs. A
 * function create or update requires its package to exist ({@link Admission}) in a transaction on that same thread,
 * so the two are ordered: either the create commits first and the collection sees its reference, or the collection
 * deletes the package first and the create is refused with 422 (upload the package again). There is never a function
 * whose package is gone. Uploads run on Vert.x worker threads and meet a collection only under
 * {@link PackageStore}'s lock: an upload of content already stored restarts its grace period there, so the
 * collection either deletes the package before the upload looks (which then stores it anew) or sees it young.
 * The order of locks is always the store's thread, then the package store's lock; nothing holding that lock waits
 * for the store.
 *
 * <p>Thread-safe: {@link #collect()} may be called from any thread; runs queue on the store's thread.
 */
final class PackageCollector {
    /** Between an upload and the {@code fn create} that names it: an hour covers a person writing the spec by hand. */
    static final Duration DEFAULT_GRACE = Duration.ofHours(1);
    static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(10);
    private static final Logger log = LoggerFactory.getLogger(PackageCollector.class);

    private final ResourceStore store;
    private final PackageStore packages;
    private final InstantSource clock;
    private final Duration grace;
    private final Counter collected;
    private final Counter bytesFreed;

    PackageCollector(ResourceStore store, PackageStore packages, InstantSource clock, Duration grace, MeterRegistry registry) {
        this.store = store;
        this.packages = packages;
        this.clock = clock;
        this.grace = grace;
        this.collected = Counter.builder("tandem.packages.collected")
                .description("Code packages deleted because no function used them").register(registry);
        this.bytesFreed = Counter.builder("tandem.packages.collected.bytes")
                .description("Bytes freed by deleting code packages no function used").register(registry);
        Gauge.builder("tandem.packages.bytes", packages, PackageStore::used)
                .description("Bytes of the code packages stored").register(registry);
        Gauge.builder("tandem.packages.quota.bytes", packages, PackageStore::quotaBytes)
                .description("The most bytes of code packages the store accepts").register(registry);
    }

    Duration grace() {
        return grace;
    }

    /** Deletes the unused packages stored longer ago than the grace period. */
    CompletableFuture<Collected> collect() {
        return collectStoredBefore(clock.instant().minus(grace));
    }

    /** Deletes the unused packages stored before {@code storedBefore}. */
    CompletableFuture<Collected> collectStoredBefore(Instant storedBefore) {
        return store.submitWrite(tx -> {
            Set<String> referenced = new HashSet<>();
            tx.list(Kind.FUNCTION).forEach(f -> referenced.add(((Function) f).spec().code().sha256()));
            Collected c = packages.deleteUnreferenced(referenced, storedBefore);
            report(c);
            return c;
        });
    }

    private void report(Collected c) {
        if (c.deleted().isEmpty()) return;
        collected.increment(c.deleted().size());
        bytesFreed.increment(c.bytesFreed());
        log.info("collected {} unused code package(s), freeing {} bytes ({} of the {}-byte quota now in use): {}",
                c.deleted().size(), c.bytesFreed(), packages.used(), packages.quotaBytes(), c.deleted());
    }
}
