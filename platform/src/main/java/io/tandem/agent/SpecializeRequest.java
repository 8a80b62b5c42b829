package io.tandem.agent;

import io.tandem.model.CodeRef;
import java.time.Duration;

/**
 * Turns a generic instance into one serving {@code function}; the agent fetches {@code code} first and gives the
 * instance the function's limits ({@code memoryMegabytes}, {@code cpuMillis} in thousandths of a core; 0: none).
 */
public record SpecializeRequest(
        String function, CodeRef code, String entrypoint, String command, Duration timeout, String packagesUrl,
        int memoryMegabytes, int cpuMillis) {

    /** A request without memory and CPU limits. */
    public SpecializeRequest(String function, CodeRef code, String entrypoint, String command, Duration timeout, String packagesUrl) {
        this(function, code, entrypoint, command, timeout, packagesUrl, 0, 0);
    }
}
