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
            // Extension point: active-standby and replicate get their own Strategy classes here. Until they
            // exist, such functions are served with retry, which is what Fission gives them.
            case ACTIVE_STANDBY, REPLICATE -> Retry.of(ft);
        };
    }
}
