package io.tandem.executor;

import java.util.Locale;

/** Where an instance is in its life, as the executor sees it. */
enum InstanceState {
    /** Its agent is launching it, or a warm instance was claimed for a pair member and is about to load its function. */
    STARTING,
    /** A warm instance loading its function. */
    SPECIALIZING,
    /** Answers on its port. */
    READY,
    /** Asked to stop (or about to be): it serves nothing any more and is removed once its agent confirms. */
    STOPPING;

    /** The name the cluster view shows. */
    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
