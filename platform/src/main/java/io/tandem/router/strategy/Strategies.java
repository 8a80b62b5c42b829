package io.tandem.router.strategy;

import io.tandem.model.FaultTolerance;

/** Picks a function's strategy from its settings. */
public final class Strategies {
    private static final Strategy ONCE = new Once();

    private Strategies() {
    }

    public static Strategy of(FaultTolerance ft) {
        return switch (ft.strategy()) {
            case RETRY -> Retry.of(ft);
            case NONE -> ONCE;
            case ACTIVE_STANDBY -> Failover.activeStandby(ft);
            case REPLICATE -> Failover.replicate(ft);
        };
    }
}
