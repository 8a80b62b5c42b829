package io.tandem.chaos;

import java.util.List;

/**
 * What a freeze did, as {@code tandem chaos freeze-node -o json} prints it: the node's processes, when SIGSTOP went
 * out and when SIGCONT did (epoch milliseconds).
 */
public record FreezeResult(String action, String node, List<Target> targets, long frozenAtMs, long thawedAtMs) {
    public FreezeResult {
        targets = List.copyOf(targets);
    }
}
