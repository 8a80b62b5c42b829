package io.tandem.bench;

import io.tandem.client.TandemClient;
import io.tandem.model.CodeRef;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem bench cold-start}: the first call of a fresh poolmgr function, which specializes a warm pool
 * instance, against the calls that follow it, per runtime. The runtimes take turns function by function, so a drift
 * of the machine touches them alike. Each first call is split by the server's own metrics: how long the router
 * waited for the executor's instance, and how long the executor took to specialize it (the rest of the wait is the
 * round trip between them); what remains of the call is routing, the call itself and the answer.
 */
@Command(name = "cold-start", mixinStandardHelpOptions = true,
        description = {"Cold start: the first call of a java or exec function, specialized from the warm pool.",
                "Measured against calls to the specialized instance, over several fresh functions per runtime."})
final class ColdStart implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--functions", defaultValue = "10", description = "Fresh functions to deploy per runtime (default: ${DEFAULT-VALUE}).")
    int functions;
    @Option(names = "--runtimes", split = ",", defaultValue = "java,exec", paramLabel = "java|exec",
            description = "Runtimes to measure, a comma list (default: ${DEFAULT-VALUE}).")
    List<String> runtimes;
    @Option(names = "--jar", defaultValue = "examples/hello/target/hello.jar", description = "The java function's jar (default: ${DEFAULT-VALUE}).")
    Path jar;
    @Option(names = "--entrypoint", defaultValue = "example.Hello", description = "Its handler class (default: ${DEFAULT-VALUE}).")
    String entrypoint;
    @Option(names = "--script", defaultValue = "examples/exec/hello.sh", description = "The exec function's script (default: ${DEFAULT-VALUE}).")
    Path script;

    /** Calls to the specialized instance after the first, whose median is the warm figure. */
    private static final int WARM_CALLS = 50;

    /** One runtime's function code, and the figures of its fresh functions. */
    private record Subject(Runtime runtime, Path file, String entrypoint, List<Double> first, List<Double> waited, List<Double> specialized,
                           List<Double> warm) {
        Subject(Runtime runtime, Path file, String entrypoint) {
            this(runtime, file, entrypoint, new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }

        /** The built-in environment of the runtime, which has a warm pool. */
        String environment() {
            return runtime.wireName();
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        List<Subject> subjects = new ArrayList<>();
        try {
            for (Runtime r : Failover.parsed(runtimes, Failover::benchedRuntime, "runtime", "java or exec")) {
                subjects.add(switch (r) {
                    case JAVA -> new Subject(r, jar, entrypoint);
                    case EXEC -> new Subject(r, script, null);
                    case HTTP, LAMBDA -> throw new IllegalArgumentException("runtime '" + r.wireName() + "' has no warm pool to start from: use java or exec");
                });
            }
        } catch (IllegalArgumentException e) {
            err.println("tandem bench cold-start: " + e.getMessage());
            return 2;
        }
        for (Subject s : subjects) {
            if (!Files.isRegularFile(s.file())) {
                err.println("tandem bench cold-start: no such file " + s.file() + ": build the examples first (./mvnw -q package -DskipTests)");
                return 3;
            }
        }
        System.out.printf("cold start: first call of a %s function from the warm pool vs calls to the specialized instance, %d functions each%n",
                String.join(" and ", subjects.stream().map(Subject::environment).toList()), functions);
        try (ServerProcess server = ServerProcess.start(1)) {
            TandemClient client = server.client();
            List<CodeRef> code = subjects.stream().map(s -> client.uploadPackage(s.file())).toList();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < functions; i++) {
                for (int k = 0; k < subjects.size(); k++) measure(server, http, subjects.get(k), code.get(k), "cold-" + subjects.get(k).environment() + "-" + i);
            }
            System.out.println();
            for (Subject s : subjects) {
                Stats f = Stats.of(s.first());
                Stats w = Stats.of(s.warm());
                System.out.printf("%-4s first call (specialization): %s%n     waited for its instance:     %s%n     of that, specialization:     %s%n"
                                + "     specialized instance:        %s%n     first/specialized: %.1fx%n",
                        s.environment(), f.format("ms", 1), format(s.waited()), format(s.specialized()), w.format("ms", 2), f.median() / w.median());
            }
            return 0;
        }
    }

    /** Deploys a fresh function once a warm instance is ready, times its first call and the ones after, and deletes it. */
    private static void measure(ServerProcess server, HttpClient http, Subject s, CodeRef code, String name) throws Exception {
        TandemClient client = server.client();
        Main.awaitWarmPool(client, s.environment());
        client.put("/v1/functions/" + name, new Function(Metadata.named(name), new FunctionSpec(s.environment(), code, s.entrypoint(),
                ExecutorType.POOLMGR, null, null, null, null, null, null, null)));
        URI uri = URI.create(server.info().router() + "/function/" + name);
        s.first().add(timeGet(http, uri));
        List<Double> calls = new ArrayList<>();
        for (int k = 0; k < WARM_CALLS; k++) calls.add(timeGet(http, uri));
        s.warm().add(Stats.of(calls).median());
        String metrics = http.send(HttpRequest.newBuilder(URI.create(server.info().router() + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        s.waited().add(sumMillis(metrics, "tandem_function_cold_wait_seconds_sum", name));
        s.specialized().add(sumMillis(metrics, "tandem_function_cold_start_duration_seconds_sum", name));
        System.out.printf(Locale.ROOT, "  %s: first call %.1f ms (waited %.1f ms for its instance, specialized in %.1f ms), then median %.2f ms%n",
                name, s.first().getLast(), s.waited().getLast(), s.specialized().getLast(), s.warm().getLast());
        client.delete("/v1/functions/" + name);
    }

    /** The sum, in milliseconds, of the series of {@code metric} for {@code function} in a Prometheus scrape; NaN without one. */
    static double sumMillis(String scrape, String metric, String function) {
        Pattern series = Pattern.compile("^" + Pattern.quote(metric) + "\\{[^}]*function=\"" + Pattern.quote(function) + "\"[^}]*\\} (\\S+)$",
                Pattern.MULTILINE);
        Matcher m = series.matcher(scrape);
        double seconds = Double.NaN;
        while (m.find()) seconds = (Double.isNaN(seconds) ? 0 : seconds) + Double.parseDouble(m.group(1));
        return seconds * 1000;
    }

    private static String format(List<Double> millis) {
        List<Double> known = millis.stream().filter(v -> !Double.isNaN(v)).toList();
        return known.isEmpty() ? "- (the server's metrics are off)" : Stats.of(known).format("ms", 1);
    }

    private static double timeGet(HttpClient http, URI uri) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        double ms = (System.nanoTime() - t0) / 1e6;
        if (r.statusCode() != 200) throw new IllegalStateException(uri + " answered " + r.statusCode() + ": " + r.body());
        return ms;
    }
}
