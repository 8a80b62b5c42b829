package io.tandem.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** A fault the failover benchmark injects under load, always into the instance that serves (or its node). */
enum Fault {
    /** Nothing is injected: the run shows what the load alone does, and every promotion in it is a false failover. */
    NONE,
    /** SIGKILL of the serving instance. */
    INSTANCE,
    /** SIGKILL of the serving instance's node: its agent and all its instances. */
    NODE,
    /** SIGSTOP of the serving instance's node, SIGCONT after a while. */
    FREEZE;

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Fault parse(String name) {
        for (Fault f : values()) if (f.wireName().equals(name.trim().toLowerCase(Locale.ROOT))) return f;
        throw new IllegalArgumentException("unknown fault '" + name + "': use " + known());
    }

    static String known() {
        return Arrays.stream(values()).map(Fault::wireName).collect(Collectors.joining(", "));
    }

    /**
     * How many promotions this fault explains: one when it hit the active (killed it, or the node it ran on, or
     * froze that node), none otherwise: a fault that spared the active gives the standby no reason to take over.
     */
    int promotionsExplained(boolean hitTheActive) {
        return this == NONE || !hitTheActive ? 0 : 1;
    }
}
