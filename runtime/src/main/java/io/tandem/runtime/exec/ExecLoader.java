package io.tandem.runtime.exec;

import io.tandem.runtime.FunctionCode;
import io.tandem.runtime.Invoker;
import io.tandem.runtime.Json;
import io.tandem.runtime.LoadException;
import io.tandem.runtime.Loader;
import io.tandem.runtime.Replies;
import io.tandem.runtime.Specialization;
import io.tandem.runtime.WarmUpExchange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Prepares the command an {@code exec} instance runs per request: {@code command}, with {@code {code}} in any
 * argument replaced by the code path, or else the code file itself, which then must be executable (a script with a
 * {@code #!} line, say).
 */
public final class ExecLoader implements Loader {

    @Override
    public Invoker load(Specialization spec) throws LoadException {
        FunctionCode functionCode = FunctionCode.of(spec);
        Path code = functionCode.path();
        List<String> command;
        if (!spec.command().isEmpty()) {
            command = functionCode.command(spec.command());
        } else if (code != null && Files.isRegularFile(code)) {
            if (!Files.isExecutable(code)) throw new LoadException(code + " is not executable: chmod +x it and start it with a #! line, or give a command");
            command = List.of(code.toString());
        } else {
            throw new LoadException("no command: give the argv to run per request, or a single executable file as code");
        }
        return new ExecInvoker(command, functionCode.directory(), spec.timeoutMs());
    }

    /**
     * Parses a specialization once, and runs one call of {@code true} through the invoker and an in-memory exchange,
     * so the first {@code /_/specialize} does not pay for Jackson's start nor the first call for the JVM's first
     * process start and virtual threads: cold, that first call took 34 to 77 ms on this project's 2-core machine
     * against 10 to 19 ms for the next ones; warmed, 12 to 21 ms.
     */
    @Override
    public void warmUp() {
        try {
            Json.MAPPER.readValue("{\"function\":\"warm-up\",\"command\":[\"true\"],\"timeoutMs\":1000}", Specialization.class);
            Json.MAPPER.writeValueAsBytes(Replies.errorBody("warm", "up"));
            new ExecInvoker(List.of("true"), null, 1_000).invoke(new WarmUpExchange("POST", "/warm", "up"));
        } catch (IOException e) {
            System.err.println("tandem-runtime: warm-up failed, the first specialization will be slower: " + e);
        }
    }
}
