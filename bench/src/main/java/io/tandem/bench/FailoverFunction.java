package io.tandem.bench;

import io.tandem.client.TandemClient;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.FaultTolerance;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import io.tandem.model.Strategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The trivial function the failover benchmark loads, in each runtime: {@code java} the hello example's jar (a
 * handler in a warm runtime JVM), {@code exec} the exec-hello script (a process per request), {@code http} the
 * benchmark's own {@link HelloServer} (the function is its own HTTP server, as the http example is, without
 * compiling a source file at each start). One instance at a time ({@code newdeploy}, scale 1) under the strategy
 * measured.
 *
 * <p>Only the runtime measured has a warm pool (one instance per node, enough for a replacement standby): idle pool
 * processes of the others would only compete with the function for the cores, and boot slowly.
 */
record FailoverFunction(Path jar, String entrypoint, Path script) {
    static final String HTTP_ENVIRONMENT = "bench-http";

    /** The file the runtime needs that is missing (the examples not built), or null. */
    Path missingFile(Runtime runtime) {
        Path needed = switch (runtime) {
            case JAVA -> jar;
            case EXEC -> script;
            case HTTP -> null;
            case LAMBDA -> throw new IllegalArgumentException("lambda is not benchmarked");
        };
        return needed == null || Files.isRegularFile(needed) ? null : needed;
    }

    void deploy(TandemClient client, Runtime runtime, Strategy strategy, String name) throws IOException {
        client.put("/v1/environments/exec", new Environment(Metadata.named("exec"),
                new EnvironmentSpec(Runtime.EXEC, null, runtime == Runtime.EXEC ? 1 : 0, null)));
        client.put("/v1/environments/java", new Environment(Metadata.named("java"),
                new EnvironmentSpec(Runtime.JAVA, null, runtime == Runtime.JAVA ? 1 : 0, null)));
        String environment;
        CodeRef code;
        String handler = null;
        switch (runtime) {
            case JAVA -> {
                environment = "java";
                code = client.uploadPackage(jar);
                handler = entrypoint;
            }
            case EXEC -> {
                environment = "exec";
                code = client.uploadPackage(script);
            }
            case HTTP -> {
                environment = HTTP_ENVIRONMENT;
                String command = "{java} -XX:+UseSerialGC -cp " + System.getProperty("java.class.path") + " " + HelloServer.class.getName();
                client.put("/v1/environments/" + environment, new Environment(Metadata.named(environment),
                        new EnvironmentSpec(Runtime.HTTP, command, 0, null)));
                Path placeholder = Files.createTempFile("bench-failover-http", ".txt");
                try {
                    Files.writeString(placeholder, "served by " + HelloServer.class.getName() + "\n");
                    code = client.uploadPackage(placeholder);
                } finally {
                    Files.deleteIfExists(placeholder);
                }
            }
            default -> throw new IllegalArgumentException("no failover function for runtime " + runtime);
        }
        client.put("/v1/functions/" + name, new Function(Metadata.named(name), new FunctionSpec(environment, code, handler,
                ExecutorType.NEWDEPLOY, 1, 1, null, null, null, null, FaultTolerance.defaults().withStrategy(strategy))));
    }
}
