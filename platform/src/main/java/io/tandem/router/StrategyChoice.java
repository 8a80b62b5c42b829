package io.tandem.router;

import io.tandem.model.FaultTolerance;
import io.tandem.model.FunctionSpec;
import io.tandem.router.strategy.Strategies;
import io.tandem.router.strategy.Strategy;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Chooses each call's strategy from its function's fault-tolerance settings ({@link Strategies#of}), made once per
 * distinct settings: strategies are stateless, so functions with equal settings share one, and a warm call
 * allocates nothing here. Thread-safe; the map grows with the distinct settings seen, as few as the functions.
 */
final class StrategyChoice {
    private final ConcurrentHashMap<FaultTolerance, Strategy> bySettings = new ConcurrentHashMap<>();

    Strategy of(FunctionSpec spec) {
        FaultTolerance ft = spec.faultTolerance();
        Strategy s = bySettings.get(ft);
        return s != null ? s : bySettings.computeIfAbsent(ft, Strategies::of);
    }
}
