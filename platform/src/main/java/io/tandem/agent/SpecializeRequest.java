package io.tandem.agent;

import io.tandem.model.CodeRef;
import java.time.Duration;
import java.util.Map;

/**
 * Turns a generic instance into one serving {@code function}; the agent fetches {@code code} first and gives the
 * instance the function's limits ({@code memoryMegabytes}, {@code cpuMillis} in thousandths of a core; 0: none) and
 * its own environment {@code variables}.
 */
public record SpecializeRequest(
        String function, CodeRef code, String entrypoint, String command, Duration timeout, String packagesUrl,
        int memoryMegabytes, int cpuMillis, Map<String, String> variables) {

    public SpecializeRequest {
        variables = variables == null ? Map.of() : Map.copyOf(variables);
    }
}
