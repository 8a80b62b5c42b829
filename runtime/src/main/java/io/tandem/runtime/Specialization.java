package io.tandem.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The function an instance is to serve: the body of {@code POST /_/specialize}, or the {@code TANDEM_*}
 * variables. {@code command} is for {@code exec} only, {@code entrypoint} for {@code java} only. {@code env} holds the
 * function's own variables, which a warm instance takes on at specialization (an instance started for its function
 * already has them in its environment). {@code memoryMb} is the function's memory limit, when it has one.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Specialization(String function, String code, String entrypoint, List<String> command, Long timeoutMs,
                             Map<String, String> env, Integer memoryMb) {
    public static final long DEFAULT_TIMEOUT_MS = 60_000;

    public Specialization {
        command = command == null ? List.of() : List.copyOf(command);
        timeoutMs = timeoutMs == null || timeoutMs <= 0 ? DEFAULT_TIMEOUT_MS : timeoutMs;
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /** Without a memory limit. */
    public Specialization(String function, String code, String entrypoint, List<String> command, Long timeoutMs, Map<String, String> env) {
        this(function, code, entrypoint, command, timeoutMs, env, null);
    }

    /** The specialization the environment asks for, or null when it names no function (a generic instance). */
    static Specialization fromEnvironment(Map<String, String> env) throws LoadException {
        String function = blankToNull(env.get("TANDEM_FUNCTION"));
        if (function == null) return null;
        List<String> command = List.of();
        String commandJson = blankToNull(env.get("TANDEM_COMMAND"));
        if (commandJson != null) {
            try {
                command = Json.MAPPER.readValue(commandJson, new TypeReference<List<String>>() {});
            } catch (IOException e) {
                throw new LoadException("TANDEM_COMMAND is not a JSON array of strings: " + commandJson);
            }
        }
        Long timeout = null;
        String timeoutText = blankToNull(env.get("TANDEM_TIMEOUT_MS"));
        if (timeoutText != null) {
            try {
                timeout = Long.parseLong(timeoutText.trim());
            } catch (NumberFormatException e) {
                throw new LoadException("TANDEM_TIMEOUT_MS is not a number of milliseconds: " + timeoutText);
            }
        }
        Integer memory = null;
        String memoryText = blankToNull(env.get("TANDEM_MEMORY_MB"));
        if (memoryText != null) {
            try {
                memory = Integer.parseInt(memoryText.trim());
            } catch (NumberFormatException e) {
                throw new LoadException("TANDEM_MEMORY_MB is not a number of megabytes: " + memoryText);
            }
        }
        return new Specialization(function, blankToNull(env.get("TANDEM_CODE")), blankToNull(env.get("TANDEM_ENTRYPOINT")), command, timeout, null, memory);
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
