package io.tandem.agent;

import io.tandem.model.CodeRef;
import java.time.Duration;

/** Turns a generic instance into one serving {@code function}; the agent fetches {@code code} first. */
public record SpecializeRequest(
        String function, CodeRef code, String entrypoint, String command, Duration timeout, String packagesUrl) {
}
