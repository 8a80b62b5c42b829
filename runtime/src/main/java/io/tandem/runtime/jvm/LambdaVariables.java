package io.tandem.runtime.jvm;

import io.tandem.runtime.Specialization;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment variables AWS Lambda gives a function's process, as a java instance gives them to its function,
 * so code written for Lambda finds what it reads at start-up ({@code AWS_LAMBDA_FUNCTION_NAME}, {@code _HANDLER},
 * {@code AWS_REGION}...). {@link LambdaContext} reads its memory limit and log names from them too, so the two
 * always agree.
 *
 * <p>They describe this function, so they replace what the process may have inherited, except where the function
 * sets one itself; a region the process already has is kept too. {@code AWS_REGION} is
 * {@code AWS_DEFAULT_REGION} when only that is set, else {@value #DEFAULT_REGION} (what AWS's SDKs fall back to):
 * a function that calls AWS services from Tandem names its region with {@code --var AWS_REGION=...}.
 */
public final class LambdaVariables {
    static final String DEFAULT_REGION = "us-east-1";
    static final String MEMORY = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
    static final String LOG_GROUP = "AWS_LAMBDA_LOG_GROUP_NAME";
    static final String LOG_STREAM = "AWS_LAMBDA_LOG_STREAM_NAME";

    private LambdaVariables() {
    }

    /** What to add to a process whose environment is {@code current}, for {@code spec}. */
    public static Map<String, String> of(Specialization spec, Map<String, String> current) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("AWS_LAMBDA_FUNCTION_NAME", spec.function());
        all.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        all.put(MEMORY, Long.toString(spec.memoryMb() != null && spec.memoryMb() > 0 ? spec.memoryMb() : heapMegabytes()));
        if (spec.entrypoint() != null) all.put("_HANDLER", spec.entrypoint());
        if (spec.code() != null) all.put("LAMBDA_TASK_ROOT", spec.code());
        all.put(LOG_GROUP, "/tandem/" + spec.function());
        all.put(LOG_STREAM, "instance-" + ProcessHandle.current().pid());
        all.put("AWS_EXECUTION_ENV", "Tandem_java");
        all.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        String region = spec.env().getOrDefault("AWS_REGION", current.getOrDefault("AWS_REGION",
                spec.env().getOrDefault("AWS_DEFAULT_REGION", current.getOrDefault("AWS_DEFAULT_REGION", DEFAULT_REGION))));
        all.put("AWS_REGION", region);
        all.put("AWS_DEFAULT_REGION", region);
        all.keySet().removeIf(name -> spec.env().containsKey(name) || (name.endsWith("REGION") && current.containsKey(name)));
        return all;
    }

    static long heapMegabytes() {
        return Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / (1024 * 1024));
    }
}
