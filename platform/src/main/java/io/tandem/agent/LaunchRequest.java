package io.tandem.agent;

import io.tandem.model.CodeRef;
import io.tandem.model.Runtime;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the executor asks an agent to start. {@code function} and {@code code} are null for a generic warm
 * instance. {@code command} is the environment's template ({@code {code}}, {@code {java}}), null for the
 * runtime's own. {@code packagesUrl} is where the agent fetches {@code code} from
 * ({@code GET {packagesUrl}/v1/packages/{sha256}}). {@code memoryMegabytes} and {@code cpuMillis} (thousandths of a
 * core) limit the instance; 0 leaves it unlimited. {@code variables} are the function's own environment variables.
 */
public record LaunchRequest(
        String instanceId,
        String environment,
        Runtime runtime,
        String function,
        CodeRef code,
        String entrypoint,
        String command,
        List<String> jvmOptions,
        Duration timeout,
        String packagesUrl,
        int memoryMegabytes,
        int cpuMillis,
        Map<String, String> variables) {

    public LaunchRequest {
        jvmOptions = jvmOptions == null ? List.of() : List.copyOf(jvmOptions);
        variables = variables == null ? Map.of() : Map.copyOf(variables);
    }

    /** A request without memory and CPU limits. */
    public LaunchRequest(String instanceId, String environment, Runtime runtime, String function, CodeRef code, String entrypoint,
                         String command, List<String> jvmOptions, Duration timeout, String packagesUrl) {
        this(instanceId, environment, runtime, function, code, entrypoint, command, jvmOptions, timeout, packagesUrl, 0, 0, Map.of());
    }
}
