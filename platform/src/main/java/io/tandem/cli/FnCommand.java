package io.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.client.TandemClient;
import io.tandem.model.CodeRef;
import io.tandem.model.Durations;
import io.tandem.model.ExecutorType;
import io.tandem.model.FaultTolerance;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.InvalidResourceException;
import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.tandem.model.Metadata;
import io.tandem.model.Names;
import io.tandem.model.Resource;
import io.tandem.model.Strategy;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "fn", description = "Manage functions: deploy code, call it, read its logs.",
        mixinStandardHelpOptions = true,
        subcommands = {FnCommand.Create.class, FnCommand.Update.class, FnCommand.Get.class, FnCommand.ListFns.class,
                FnCommand.Delete.class, FnCommand.Test.class, FnCommand.Logs.class})
final class FnCommand extends CommandGroup {
    static final String PATH = Resource.Kind.FUNCTION.collectionPath();

    /** A command on one function, named by {@code --name}. */
    abstract static class OnFunction implements Runnable {
        @Option(names = "--name", required = true, description = "Function name.")
        String name;
    }

    /** The settings {@code create} and {@code update} share; null means "not given". */
    static final class Settings {
        @Option(names = "--env", description = "Environment to run in (java, exec, http or your own).")
        String environment;
        @Option(names = "--code", description = "The code: a jar, a zip or a single file.")
        Path code;
        @Option(names = "--entrypoint", description = "java: the handler class, as example.Hello.")
        String entrypoint;
        @Option(names = "--executor", description = "poolmgr (warm pool, default) or newdeploy (replicas kept running).")
        ExecutorType executor;
        @Option(names = "--min-scale", description = "newdeploy: replicas kept running (default 1).")
        Integer minScale;
        @Option(names = "--max-scale", description = "newdeploy: most replicas (default 1).")
        Integer maxScale;
        @Option(names = "--timeout", description = "Longest a call may take, as 500ms, 60s, 2m (default 60s).")
        String timeout;
        @Option(names = "--idle-timeout", description = "poolmgr: idle time before the instance is reaped (default 120s).")
        String idleTimeout;
        @Option(names = "--concurrency", description = "Most concurrent requests per instance; past it 429 (0: no limit).")
        Integer concurrency;
        @Option(names = "--max-concurrency", description = "Most concurrent requests of the whole function; past it 429 (0: no limit).")
        Integer maxConcurrency;
        @Option(names = "--memory", description = "Most memory one instance may use, as 512Mi or 2Gi: a java instance's heap, "
                + "and the cap of every instance where the node has control groups (default: none).")
        String memory;
        @Option(names = "--cpu", description = "Most CPU one instance may use, in cores: 250m, 1 or 1.5 (default: none).")
        String cpu;
        @Option(names = "--var", paramLabel = "NAME=VALUE", description = "A variable the function's code sees; repeat for more. "
                + "On update, added to the ones it has.")
        List<String> variables;
        @Option(names = "--unset-var", paramLabel = "NAME", description = "update: removes a variable; repeat for more.")
        List<String> unsetVariables;
        @Option(names = "--idempotent", arity = "1", description = "true (default) or false: whether a failed call may be re-sent.")
        Boolean idempotent;
        @Option(names = "--strategy", description = "Fault tolerance: retry (default), active-standby, replicate or none.")
        String strategy;
        @Option(names = "--max-retries", description = "retry: most attempts per request (default 10).")
        Integer maxRetries;
        @Option(names = "--retry-backoff", description = "retry: first wait between attempts, doubled each time (default 50ms).")
        String retryBackoff;
        @Option(names = "--heartbeat-interval", description = "active-standby: how often the active is probed (default 100ms).")
        String heartbeatInterval;
        @Option(names = "--heartbeat-misses", description = "active-standby: probes missed before failing over (default 3).")
        Integer heartbeatMisses;
        @Option(names = "--replicas", description = "replicate: instances each request goes to, on different nodes (default 2).")
        Integer replicas;

        FunctionSpec applyTo(FunctionSpec base, CodeRef newCode) {
            FaultTolerance ft = base == null ? FaultTolerance.defaults() : base.faultTolerance();
            ft = new FaultTolerance(
                    strategy != null ? Strategy.fromWire("--strategy", strategy) : ft.strategy(),
                    pick(maxRetries, ft.maxRetries()),
                    retryBackoff != null ? Durations.parse("--retry-backoff", retryBackoff) : ft.retryBackoff(),
                    ft.svcAddressMaxRetries(),
                    heartbeatInterval != null ? Durations.parse("--heartbeat-interval", heartbeatInterval) : ft.heartbeatInterval(),
                    pick(heartbeatMisses, ft.heartbeatMisses()),
                    pick(replicas, ft.replicas()));
            return new FunctionSpec(
                    pick(environment, base == null ? null : base.environment()),
                    newCode != null ? newCode : base == null ? null : base.code(),
                    pick(entrypoint, base == null ? null : base.entrypoint()),
                    pick(executor, base == null ? null : base.executor()),
                    pick(minScale, base == null ? null : base.minScale()),
                    pick(maxScale, base == null ? null : base.maxScale()),
                    timeout != null ? Durations.parse("--timeout", timeout) : base == null ? null : base.timeout(),
                    idleTimeout != null ? Durations.parse("--idle-timeout", idleTimeout) : base == null ? null : base.idleTimeout(),
                    pick(concurrency, base == null ? null : base.concurrency()),
                    pick(idempotent, base == null ? null : base.idempotent()),
                    ft,
                    pick(memory, base == null ? null : base.memory()),
                    pick(maxConcurrency, base == null ? null : base.maxConcurrency()),
                    pick(cpu, base == null ? null : base.cpu()),
                    variables(base));
        }

        /** The base's variables with {@code --var} added and {@code --unset-var} removed. */
        private Map<String, String> variables(FunctionSpec base) {
            Map<String, String> env = new HashMap<>(base == null ? Map.of() : base.variables());
            for (String assignment : variables == null ? List.<String>of() : variables) {
                int eq = assignment.indexOf('=');
                if (eq <= 0) throw new CommandFailedException("--var " + assignment + ": write it as NAME=VALUE (an empty value is NAME=)");
                env.put(assignment.substring(0, eq), assignment.substring(eq + 1));
            }
            for (String name : unsetVariables == null ? List.<String>of() : unsetVariables) {
                if (env.remove(name) == null) throw new CommandFailedException("--unset-var " + name + ": the function has no such variable");
            }
            return env;
        }

        CodeRef upload() {
            if (code == null) return null;
            if (!Files.isRegularFile(code)) throw new CommandFailedException("--code " + code + ": no such file");
            return Connection.client().uploadPackage(code);
        }

        private static <T> T pick(T given, T base) {
            return given != null ? given : base;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Deploy a function.",
                    "Example: tandem fn create --name hello --env java --code hello.jar --entrypoint example.Hello"})
    static final class Create extends OnFunction {
        @Mixin
        Settings settings;

        @Override
        public void run() {
            Names.require("--name", name);
            if (settings.environment == null) throw new CommandFailedException("--env is required: name the environment to run in (see 'tandem env list')", ExitCodes.USAGE);
            if (settings.code == null) throw new CommandFailedException("--code is required: give a jar, a zip or a single file", ExitCodes.USAGE);
            // Check everything that needs no server before uploading anything.
            settings.applyTo(null, new CodeRef("0".repeat(64), "check", 0, CodeRef.PackageKind.FILE)).validate();
            FunctionSpec s = settings.applyTo(null, settings.upload());
            Connection.client().post(PATH, new Function(Metadata.named(name), s));
            System.out.println("function '" + name + "' created; call it with: tandem fn test --name " + name);
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = {"Change a deployed function; options not given keep their value.",
                    "Example: tandem fn update --name hello --code hello-v2.jar"})
    static final class Update extends OnFunction {
        @Mixin
        Settings settings;

        @Override
        public void run() {
            TandemClient client = Connection.client();
            ObjectNode stored = (ObjectNode) client.get(Connection.path(Resource.Kind.FUNCTION, name));
            stored.remove("status"); // the executor's view, not part of the function
            Function current = Json.MAPPER.convertValue(stored, Function.class);
            settings.applyTo(current.spec(), null).validate();
            FunctionSpec s = settings.applyTo(current.spec(), settings.upload());
            client.put(Connection.path(Resource.Kind.FUNCTION, name), new Function(Metadata.named(name), s));
            System.out.println("function '" + name + "' updated");
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one function, its instances and any load error.")
    static final class Get extends OnFunction {
        @Mixin
        Output output;

        @Override
        public void run() {
            JsonNode f = Connection.client().get(Connection.path(Resource.Kind.FUNCTION, name));
            if (output.printedAsData(f)) return;
            Output.table(List.of("NAME", "ENV", "EXECUTOR", "STRATEGY", "ENTRYPOINT", "CODE", "REVISION"), List.of(List.of(
                    Output.text(f, "metadata.name"), Output.text(f, "spec.environment"), Output.text(f, "spec.executor"),
                    Output.text(f, "spec.faultTolerance.strategy"), Output.text(f, "spec.entrypoint"),
                    Output.text(f, "spec.code.filename") + " (" + Output.text(f, "spec.code.sha256").substring(0, Math.min(12, Output.text(f, "spec.code.sha256").length())) + ")",
                    Output.text(f, "metadata.revision"))));
            JsonNode status = f.get("status");
            if (status != null && !status.isNull()) {
                String error = Output.text(f, "status.lastError");
                if (!error.isEmpty()) System.out.println("\nERROR: " + error);
                JsonNode instances = status.get("instances");
                if (instances != null && instances.size() > 0) {
                    System.out.println();
                    List<List<String>> rows = new ArrayList<>();
                    for (JsonNode i : instances) rows.add(Output.texts(i, "id", "node", "role", "state", "pid", "port"));
                    Output.table(List.of("INSTANCE", "NODE", "ROLE", "STATE", "PID", "PORT"), rows);
                }
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List functions.")
    static final class ListFns implements Runnable {
        @Mixin
        Output output;

        @Override
        public void run() {
            output.list(Connection.client().list(Resource.Kind.FUNCTION), List.of("NAME", "ENV", "EXECUTOR", "STRATEGY", "ENTRYPOINT"),
                    f -> Output.texts(f, "metadata.name", "spec.environment", "spec.executor", "spec.faultTolerance.strategy", "spec.entrypoint"));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a function and stop its instances.")
    static final class Delete extends OnFunction {

        @Override
        public void run() {
            Connection.delete(Resource.Kind.FUNCTION, name);
            System.out.println("function '" + name + "' deleted");
        }
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
            description = {"Call a function through the router and print its response.",
                    "Exits 1 when the function answers with a status of 400 or more."})
    static final class Test extends OnFunction {
        @Option(names = {"-X", "--method"}, description = "HTTP method (default: POST with a body, GET without).")
        String method;
        @Option(names = "--path", defaultValue = "/", description = "Path after /function/NAME (default: ${DEFAULT-VALUE}).")
        String path;
        @Option(names = {"-q", "--query"}, description = "Query string, as a=1&b=2.")
        String query;
        @Option(names = {"-b", "--body"}, description = "Request body; @FILE reads it from a file.")
        String body;
        @Option(names = {"-H", "--header"}, description = "A header, as 'Name: value'; repeat for more.")
        List<String> headers;
        @Option(names = {"-v", "--verbose"}, description = "Print the status and headers too.")
        boolean verbose;

        @Override
        public void run() {
            String p = path.startsWith("/") ? path : "/" + path;
            URI uri = Connection.router().resolve("/function/" + TandemClient.encode(name) + (p.equals("/") ? "" : p)
                    + (query == null ? "" : "?" + query));
            try {
                HttpResponse<byte[]> response = Connection.trust().applyTo(HttpClient.newBuilder()).version(HttpClient.Version.HTTP_1_1).build()
                        .send(request(uri), HttpResponse.BodyHandlers.ofByteArray());
                print(response);
                if (response.statusCode() >= 400) {
                    throw new CommandFailedException("function '" + name + "' answered HTTP " + response.statusCode());
                }
            } catch (ConnectException e) {
                throw new CommandFailedException("cannot reach the router at " + uri + ": is 'tandem server' running?", ExitCodes.UNAVAILABLE);
            } catch (javax.net.ssl.SSLHandshakeException e) {
                throw new CommandFailedException("refused the TLS certificate of the router at " + uri + ": " + e.getMessage()
                        + "; set TANDEM_TLS_FINGERPRINT to the fingerprint the server printed at start, or TANDEM_TLS_CA to its CA file");
            } catch (IOException e) {
                throw new CommandFailedException("call failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandFailedException("interrupted");
            }
        }

        private HttpRequest request(URI uri) throws IOException {
            HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : body.startsWith("@") ? HttpRequest.BodyPublishers.ofFile(Path.of(body.substring(1)))
                    : HttpRequest.BodyPublishers.ofString(body);
            String m = method != null ? method : body != null ? "POST" : "GET";
            HttpRequest.Builder req = HttpRequest.newBuilder(uri).method(m.toUpperCase(Locale.ROOT), publisher)
                    .timeout(Duration.ofMinutes(10));
            for (String h : headers == null ? List.<String>of() : headers) {
                int colon = h.indexOf(':');
                if (colon < 1) throw new CommandFailedException("--header '" + h + "': write it as 'Name: value'", ExitCodes.USAGE);
                req.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
            }
            return req.build();
        }

        private void print(HttpResponse<byte[]> response) {
            if (verbose) {
                System.out.println("HTTP " + response.statusCode());
                response.headers().map().forEach((k, v) -> v.forEach(x -> System.out.println(k + ": " + x)));
                System.out.println();
            }
            String text = new String(response.body(), StandardCharsets.UTF_8);
            System.out.print(text);
            if (!text.endsWith("\n") && !text.isEmpty()) System.out.println();
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Print what a function's instances wrote to stdout and stderr, from every node, oldest first.",
                    "Each line shows when it was written, the function, the instance and its node, and the stream:",
                    "  2026-12-02T17:30:35.123Z [hello hello-ab-3@node-1 stdout] Hello, Ada",
                    "Each node keeps the last 10 MB of each function (TANDEM_LOG_CAP on the agent), so old lines go;",
                    "the logs of a node that is down cannot be read until it is back."})
    static final class Logs extends OnFunction {
        @Option(names = {"-f", "--follow"}, description = "Keep printing new lines, also of instances started later, until interrupted.")
        boolean follow;
        @Option(names = "--tail", defaultValue = "100", description = "Show at most this many lines from before now (default: ${DEFAULT-VALUE}).")
        int tail;
        @Option(names = "--since", paramLabel = "DURATION|INSTANT", description = "Only lines written since then: 90s, 5m, 2h, or 2026-12-02T17:30:00Z.")
        String since;
        @Option(names = "--instance", paramLabel = "ID", description = "Only the lines of this instance (its id as tandem status shows it).")
        String instance;
        @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "text|json",
                description = "text, or json for one object per line with time, function, instance, node, stream, message.")
        String output;

        @Override
        public void run() {
            LogQuery query;
            try {
                Map<String, String> params = new HashMap<>();
                params.put("tail", Integer.toString(tail));
                params.put("since", since);
                params.put("instance", instance);
                params.put("follow", Boolean.toString(follow));
                params.put("format", output);
                query = LogQuery.parse(params::get, Instant.now());
            } catch (InvalidResourceException e) {
                throw new CommandFailedException("invalid --" + (e.field().equals("format") ? "output" : e.field()) + ": " + e.getMessage().substring(e.field().length() + 2), ExitCodes.USAGE);
            }
            Connection.client().stream(Connection.path(Resource.Kind.FUNCTION, name) + "/logs?" + query.queryString(), System.out);
        }
    }
}
