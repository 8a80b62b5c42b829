package io.tandem.executor.pool;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Decides how many generic instances of one environment to start on each live node. Pure; thread-safe. */
public final class WarmPool {
    private WarmPool() {
    }

    /**
     * {@code pooled}: per node, the environment's generic instances starting, ready or being specialized. Answers,
     * per live node, how many to start so each holds {@code poolSize}; nodes already full are left out.
     */
    public static Map<String, Integer> deficits(int poolSize, Collection<String> aliveNodes, Map<String, Integer> pooled) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String node : aliveNodes) {
            int missing = poolSize - pooled.getOrDefault(node, 0);
            if (missing > 0) out.put(node, missing);
        }
        return out;
    }
}
