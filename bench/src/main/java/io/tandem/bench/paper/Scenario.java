package io.tandem.bench.paper;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * The paper's failure scenarios, plus a node freeze. Fault times are the paper's fractions of its 300 s run, so a
 * shorter run keeps the same shape: an instance failure at a random time between 30 and 60 s of 300 (10 to 20 %), a
 * node failure at 30 s of 300 (10 %).
 */
enum Scenario {
    NONE("no failure"),
    INSTANCE("instance failure: the serving instance SIGKILLed at a random time in 10 to 20 % of the run"),
    NODE("node failure: the serving instance's node (its agent and every instance on it) SIGKILLed at 10 % of the run"),
    FREEZE("node freeze: the serving instance's node SIGSTOPped at 10 % of the run, SIGCONT after --freeze");

    private final String description;

    Scenario(String description) {
        this.description = description;
    }

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    String description() {
        return description;
    }

    boolean hasFault() {
        return this != NONE;
    }

    /** When the fault strikes, from the start of a run of {@code run}; null for {@link #NONE}. */
    Duration faultAt(Duration run, RandomGenerator random) {
        long ms = run.toMillis();
        return switch (this) {
            case NONE -> null;
            case INSTANCE -> Duration.ofMillis(ms / 10 + (long) (random.nextDouble() * (ms / 10)));
            case NODE, FREEZE -> Duration.ofMillis(ms / 10);
        };
    }

    static Scenario fromWire(String text) {
        for (Scenario s : values()) {
            if (s.wireName().equals(text.trim().toLowerCase(Locale.ROOT))) return s;
        }
        throw new IllegalArgumentException("unknown scenario '" + text + "': use " + names());
    }

    static String names() {
        return Arrays.stream(values()).map(Scenario::wireName).collect(Collectors.joining(", "));
    }
}
