package io.tandem.runtime;

import io.tandem.runtime.exec.ExecLoader;
import io.tandem.runtime.jvm.CoalescedOutput;
import io.tandem.runtime.jvm.JavaLoader;
import io.tandem.runtime.lambda.LambdaLoader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The entry point of an instance process: {@code java -cp <runtime> io.tandem.runtime.Main java|exec}, configured by
 * {@code PORT} and the {@code TANDEM_*} variables of docs/instance-protocol.md. {@link #main} only reads the process
 * environment; tests call {@link #run} with their own.
 */
public final class Main {
    /** Set and removed again by the warm-up, before any function code runs. */
    private static final String WARM_UP_VARIABLE = "TANDEM_WARM_UP";

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length != 1 || !(args[0].equals("java") || args[0].equals("exec") || args[0].equals("lambda"))) {
            System.err.println("usage: io.tandem.runtime.Main java|exec|lambda   (with PORT, and optionally TANDEM_FUNCTION, TANDEM_CODE, TANDEM_ENTRYPOINT, TANDEM_COMMAND, TANDEM_TIMEOUT_MS;"
                    + " the instance's secret as the first line of standard input)");
            System.exit(2);
        }
        // What java functions print, a write per few milliseconds rather than per line (exec and lambda functions
        // print from their own processes).
        if (args[0].equals("java")) CoalescedOutput.install();
        try {
            InstanceServer server = run(args[0], System.getenv(), Secret.readLine(System.in));
            System.err.printf("tandem-runtime: %s listening on 127.0.0.1:%d%n", args[0], server.port());
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("tandem-runtime: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * Warms the runtime up, specializes it when {@code env} names a function, and starts serving on
     * {@code 127.0.0.1:$PORT} (0 picks a free port), obeying only who holds {@code secret}. Returns once
     * {@code /_/health} answers.
     */
    public static InstanceServer run(String runtime, Map<String, String> env, Secret secret) throws IOException {
        int port = port(env.get("PORT"));
        Loader loader = switch (runtime) {
            case "java" -> new JavaLoader();
            case "exec" -> new ExecLoader();
            case "lambda" -> new LambdaLoader();
            default -> throw new IllegalArgumentException("unknown runtime '" + runtime + "': use java, exec or lambda");
        };
        warmUpSpecialization(secret);
        loader.warmUp();
        var server = new InstanceServer(runtime, loader, secret);
        Specialization spec;
        try {
            spec = Specialization.fromEnvironment(env);
        } catch (LoadException e) {
            server.failStartup(env.get("TANDEM_FUNCTION"), e.getMessage());
            spec = null;
        }
        server.start(port, spec);
        return server;
    }

    /**
     * Runs once what {@code /_/specialize} does before it loads, in any runtime: the secret checked, the body parsed
     * from bytes (Jackson reads a byte stream with other classes than a string: cold, they cost the first
     * specialization 10 to 30 ms) and the function's variables set and put back.
     */
    private static void warmUpSpecialization(Secret secret) {
        secret.admits("warm-up");
        try {
            byte[] body = Json.MAPPER.writeValueAsBytes(Map.of("function", "warm-up", "code", "/", "command", List.of(), "timeoutMs", 1_000,
                    "env", Map.of(WARM_UP_VARIABLE, "1")));
            Specialization spec = Json.MAPPER.readValue(new ByteArrayInputStream(body), Specialization.class);
            ProcessVariables.restore(ProcessVariables.add(spec.env()));
        } catch (LoadException e) {
            // Started without the opens that variables need (ProcessVariables): a function that has some says so.
        } catch (IOException e) {
            System.err.println("tandem-runtime: warm-up failed, the first specialization will be slower: " + e);
        }
    }

    private static int port(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("PORT is not set");
        try {
            int port = Integer.parseInt(text.trim());
            if (port < 0 || port > 65535) throw new NumberFormatException();
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("PORT must be a port number, was '" + text + "'");
        }
    }
}
