package io.tandem.executor;

import java.util.Locale;

/**
 * What an instance is for: a generic warm instance of a pool, a replica serving its function (retry, replicate,
 * none), or one member of an active-standby pair.
 */
enum Role {
    POOL, REPLICA, ACTIVE, STANDBY;

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
