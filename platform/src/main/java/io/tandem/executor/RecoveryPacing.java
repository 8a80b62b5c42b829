package io.tandem.executor;

import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds back recovery work (pool refills, replacement standbys) while functions are being served and the machine's
 * CPU is saturated, so recovering never starves what already serves; {@link RecoveryGate} decides. On the
 * executor's context only.
 */
final class RecoveryPacing {
    private static final Logger log = LoggerFactory.getLogger(RecoveryPacing.class);
    /** Traffic this recent means functions are being served, so recovery work can hurt them. */
    private static final Duration SERVING_LATELY = Duration.ofSeconds(3);

    private final ProcessStates processes;
    private final RecoveryGate gate = new RecoveryGate();
    /** When the router last reported warm traffic for any function. */
    private Instant lastTraffic;

    RecoveryPacing(ProcessStates processes) {
        this.processes = processes;
    }

    /** The router reported warm traffic at {@code now}. */
    void trafficSeen(Instant now) {
        lastTraffic = now;
    }

    /** Whether recovery work named {@code what} waits for the machine's CPU pressure to fall; logs the first deferral. */
    boolean deferred(String what, Instant now) {
        // Only serving functions are hurt by recovery work; a machine saturated by starting instances alone (a boot)
        // is what pacing one start per node at a time is for.
        if (lastTraffic == null || Duration.between(lastTraffic, now).compareTo(SERVING_LATELY) > 0) return false;
        double pressure = processes.cpuPressure();
        return switch (gate.decide(what, pressure, now)) {
            case START -> false;
            case DEFER_NOW -> {
                log.info("{} waits: the machine's CPU is saturated (pressure {} % over 10 s); it starts when that falls under {} %, "
                        + "or in {} s at the latest", what, Math.round(pressure * 100), Math.round(RecoveryGate.SATURATED * 100),
                        RecoveryGate.MAX_DEFER.toSeconds());
                yield true;
            }
            case DEFER -> true;
        };
    }
}
