package io.tandem.runtime.lambda;

import io.tandem.runtime.FunctionCode;
import io.tandem.runtime.Invoker;
import io.tandem.runtime.LoadException;
import io.tandem.runtime.Loader;
import io.tandem.runtime.Specialization;
import io.tandem.runtime.jvm.LambdaVariables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code lambda} runtime: a function in any language, run by its Lambda runtime interface client (Python's
 * {@code awslambdaric}, Node's {@code aws-lambda-ric}, Java's runtime interface client) or by a custom runtime's
 * {@code bootstrap}, as AWS Lambda runs it. The environment's {@code command} starts that process
 * ({@code {code}} replaced by the code path); without one, the code's own {@code bootstrap} is run, as Lambda's
 * {@code provided} runtimes do. The process gets the variables Lambda gives it ({@link LambdaVariables}, with
 * {@code _HANDLER} the entrypoint, {@code LAMBDA_TASK_ROOT} the code, and {@code AWS_LAMBDA_RUNTIME_API} this
 * instance's {@link RuntimeApi}), the function's own variables over them, and its code directory as its working
 * directory. Specialization returns once the handler is initialized: the process asked for its first event.
 */
public final class LambdaLoader implements Loader {
    @Override
    public Invoker load(Specialization spec) throws LoadException {
        FunctionCode code = FunctionCode.of(spec);
        List<String> command = command(spec, code);
        Path directory = code.directory();
        RuntimeApi api;
        try {
            api = new RuntimeApi();
        } catch (IOException e) {
            throw new LoadException("cannot open the runtime API: " + e.getMessage());
        }
        Map<String, String> environment = new HashMap<>(LambdaVariables.of(spec, Map.of()));
        environment.put("AWS_EXECUTION_ENV", "Tandem_lambda");
        if (directory != null) environment.put("LAMBDA_TASK_ROOT", directory.toString());
        environment.putAll(spec.env());
        environment.put("AWS_LAMBDA_RUNTIME_API", api.address());
        var process = new FunctionProcess(command, directory, environment, api, spec.timeoutMs());
        try {
            process.ensureRunning();
        } catch (LoadException | RuntimeException e) {
            process.close();
            api.close();
            throw e;
        }
        String arn = "arn:aws:lambda:" + environment.get("AWS_REGION") + ":000000000000:function:" + spec.function();
        return new LambdaInvoker(api, process, arn, spec.timeoutMs());
    }

    private static List<String> command(Specialization spec, FunctionCode functionCode) throws LoadException {
        if (!spec.command().isEmpty()) {
            String handler = spec.entrypoint() == null ? "" : spec.entrypoint();
            return functionCode.command(spec.command()).stream().map(arg -> arg.replace("{handler}", handler)).toList();
        }
        Path code = functionCode.path();
        Path bootstrap = code == null ? null : Files.isDirectory(code) ? code.resolve("bootstrap") : code;
        if (bootstrap == null || !Files.isRegularFile(bootstrap)) {
            throw new LoadException("no command and no bootstrap: give the environment a command that starts the function's runtime"
                    + " interface client, or put an executable 'bootstrap' at the top of the code");
        }
        if (!Files.isExecutable(bootstrap)) throw new LoadException(bootstrap + " is not executable: chmod +x it (and give it a #! line)");
        return List.of(bootstrap.toString());
    }
}
