package io.tandem.executor;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides where a new instance goes. Given the live nodes with their instance counts, picks one, preferring nodes
 * not in {@code spread} (nodes that already hold an instance of the same function), so replicas land on distinct
 * nodes first. Not thread-safe; the executor calls it on its context.
 */
@FunctionalInterface
public interface NodeSelector {
    record NodeLoad(String node, int instances) {
    }

    Optional<String> select(List<NodeLoad> alive, Set<String> spread);

    /** Fewest instances first among the nodes outside {@code spread}, then among all; ties go round robin. */
    static NodeSelector leastLoaded() {
        return new NodeSelector() {
            private int turn;

            @Override
            public Optional<String> select(List<NodeLoad> alive, Set<String> spread) {
                if (alive.isEmpty()) return Optional.empty();
                List<NodeLoad> fresh = alive.stream().filter(n -> !spread.contains(n.node())).toList();
                List<NodeLoad> from = fresh.isEmpty() ? alive : fresh;
                int least = from.stream().mapToInt(NodeLoad::instances).min().orElseThrow();
                List<String> tied = from.stream().filter(n -> n.instances() == least).map(NodeLoad::node)
                        .sorted(Comparator.naturalOrder()).toList();
                return Optional.of(tied.get(Math.floorMod(turn++, tied.size())));
            }
        };
    }
}
