package io.tandem.model;

import java.time.Instant;

/**
 * Identity and bookkeeping of a stored resource. {@code revision} is the store-wide revision of the last change to
 * it, so watchers can resume after the revision they last saw.
 */
public record Metadata(String name, long revision, Instant created, Instant updated) {
    public static Metadata named(String name) {
        return new Metadata(name, 0, null, null);
    }
}
