package io.tandem.agent;

import io.tandem.home.TandemHome;
import io.tandem.model.CodeRef;
import io.tandem.model.Json;
import io.tandem.model.Runtime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What an instance process runs: its command line, its environment and its limits. Thread-safe: the runtime's
 * class path and class data archive are found once, under this object's lock.
 */
final class InstanceCommands {
    static final int RUNTIME_MEMORY_MB = 256;
    /** The native exec host's own share of an exec instance's memory: it holds a few MiB, at most 128 KiB per call. */
    static final int NATIVE_HOST_MEMORY_MB = 16;
    /**
     * Lets Tandem's runtime give a warm JVM its function's variables at specialization (the runtime's
     * {@code ProcessVariables}, which writes the map behind {@code System.getenv}).
     */
    private static final List<String> RUNTIME_OPENS = List.of("--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED");
    /**
     * What a java instance's JVM starts with, before its environment's options, which come later and so win. The
     * collector the JVM picks on its own here (G1, its heap starting at 1/64 of the machine's memory) lets an idle
     * warm instance hold about 80 MiB and a busy one several hundred. Measured on this project's 2-core machine
     * with a Tandem handler: serial with a 16 MiB first heap holds about 70 MiB idle and under 100 MiB at full load,
     * specializes as fast and serves as many calls a second or more. The heap still grows to the JVM's default
     * maximum, or to the function's {@code memory}; an environment that wants another collector names it.
     */
    static final List<String> JAVA_DEFAULTS = List.of("-XX:+UseSerialGC", "-Xms16m");
    /**
     * What an exec instance's JVM runs with: it only relays requests to the processes it forks (streaming, at most
     * 128 KiB held per request), so a small heap, the client compiler alone and a small code cache serve it as fast
     * as a full JVM, in about 60 MiB instead of 72.
     */
    static final List<String> EXEC_DEFAULTS = List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx64m", "-XX:TieredStopAtLevel=1",
            "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=16m");
    /** Options that pick the collector: the JVM refuses two, so one among the environment's replaces the default. */
    private static final Pattern COLLECTOR = Pattern.compile("-XX:\\+Use(Serial|Parallel|G1|Z|Shenandoah|Epsilon)GC");
    /** Options that size the heap: among the environment's, a default first heap goes (it may exceed their maximum). */
    private static final Pattern HEAP_SIZE = Pattern.compile("-Xm[sx].*|-XX:(Initial|Max|Min)HeapSize=.*|-XX:(Initial|Max|Min)RAMPercentage=.*");

    private final String java = ProcessHandle.current().info().command().orElse("java");
    private final TandemHome home;
    /** The agent's sandbox, null until it started. */
    private final Supplier<Sandbox> sandbox;
    private String runtimeClasspath;
    private ClassDataArchive archive;
    private Path lambdaClients;
    /** {@code TANDEM_EXEC_HOST}: whether exec instances should run on the native host. */
    private final String execHostMode;
    /** The native exec host, or why there is none; null until first asked for. */
    private ExecHost.Built execHost;

    InstanceCommands(TandemHome home, Supplier<Sandbox> sandbox) {
        this(home, sandbox, System.getenv(ExecHost.MODE_ENV));
    }

    InstanceCommands(TandemHome home, Supplier<Sandbox> sandbox, String execHostMode) {
        this.home = home;
        this.sandbox = sandbox;
        this.execHostMode = execHostMode;
    }

    /** The JVM this agent runs on, which runs java and exec instances too. */
    String java() {
        return java;
    }

    /** The process of a launch: its command line inside the sandbox, its directory and its environment, nothing else. */
    ProcessBuilder process(LaunchRequest req, Sandbox.Confinement c, Path code, int port) {
        ProcessBuilder pb = new ProcessBuilder(sandbox.get().wrap(c, argv(req, values(code, req.code()))));
        if (c.dir() != null) pb.directory(c.dir().toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(baseEnvironment(System.getenv(), c.dir()));
        env.putAll(req.variables());
        env.put("PORT", Integer.toString(port));
        env.putAll(instanceEnv(req, code));
        return pb;
    }

    private List<String> argv(LaunchRequest req, CommandTemplate.Values values) {
        return switch (req.runtime()) {
            // A java environment's own command replaces the runtime's launch line (an instance that speaks the same
            // protocol); an exec environment's command is what the runtime runs per request.
            // No -XX:TieredStopAtLevel=1 for java instances (exec ones, which only relay, have it). Measured on this
            // 2-core machine with the real runtime and a Lambda handler (5 runs each): JVM start to healthy ~520 ms
            // with it against ~730 ms without, but specialization (~21 ms) and the first call (~14 ms) the same. The
            // warm pool hides the start, while C1-only code caps a long-running instance's peak throughput. An
            // environment can still add it to jvmOptions.
            case JAVA, EXEC, LAMBDA -> {
                if (req.runtime() == Runtime.JAVA && req.command() != null) yield CommandTemplate.expand(req.command(), values);
                if (runsNative(req)) yield List.of(execHost().binary().toString(), "exec");
                List<String> argv = new ArrayList<>();
                argv.add(java);
                argv.addAll(archive().options()); // before the environment's options, which may turn it off (-Xshare:off)
                argv.addAll(RUNTIME_OPENS);
                argv.addAll(jvmOptions(req.runtime(), req.jvmOptions()));
                argv.addAll(List.of("-cp", runtimeClasspath(), "io.tandem.runtime.Main", req.runtime().wireName()));
                yield argv;
            }
            case HTTP -> {
                if (req.command() != null) yield CommandTemplate.expand(req.command(), values);
                if (values.code() == null) throw new IllegalArgumentException("an http instance needs a command or code");
                yield List.of(values.code());
            }
        };
    }

    /**
     * The runtime's defaults, then the environment's own options. A default the environment's options contradict
     * goes: the collector when they pick one, the first heap size when they size the heap.
     */
    static List<String> jvmOptions(Runtime runtime, List<String> environment) {
        boolean ownCollector = environment.stream().anyMatch(o -> COLLECTOR.matcher(o).matches());
        boolean ownHeap = environment.stream().anyMatch(o -> HEAP_SIZE.matcher(o).matches());
        List<String> options = new ArrayList<>();
        for (String option : runtime == Runtime.JAVA ? JAVA_DEFAULTS : EXEC_DEFAULTS) {
            if (ownCollector && COLLECTOR.matcher(option).matches()) continue;
            if (ownHeap && option.startsWith("-Xms")) continue;
            options.add(option);
        }
        options.addAll(environment);
        return options;
    }

    /** The JVM runtime's choice of HTTP server ({@code polling} or {@code blocking}), passed from the server's environment. */
    static final String INSTANCE_SERVER_ENV = "TANDEM_INSTANCE_SERVER";

    /**
     * What an instance's environment starts from, before the function's own variables: the agent's {@code PATH}, locale,
     * time zone and temporary directory, {@value #INSTANCE_SERVER_ENV} (how the JVM runtime schedules calls), and
     * {@code HOME} (the instance's private directory, or the agent's when instances share its user) and {@code SHELL}
     * ({@code /bin/sh} for an instance of its own user, else the agent's). Nothing else of the server's environment passes: an instance runs other people's
     * code, which must not learn where Tandem keeps its state (TANDEM_HOME, with the token and the store), how it is
     * configured, nor the secrets a deployment keeps in the server's environment. A function declares what it needs
     * in its spec's {@code env}.
     */
    static Map<String, String> baseEnvironment(Map<String, String> agent, Path home) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", agent.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        agent.forEach((name, value) -> {
            if (name.equals("LANG") || name.equals("LANGUAGE") || name.startsWith("LC_") || name.equals("TZ") || name.equals("TMPDIR")
                    || name.equals(INSTANCE_SERVER_ENV)) {
                env.put(name, value);
            }
        });
        String userHome = home != null ? home.toString() : agent.get("HOME");
        if (userHome != null) env.put("HOME", userHome);
        // An instance of its own user is no entry of /etc/passwd. A shell started without SHELL looks its user up to
        // set it, and for an unknown user that lookup goes through every NSS source (libnss_systemd loaded, the
        // userdb directories searched) at each start: 1 to 1.5 ms of every bash an exec function forks. /bin/sh is
        // what that lookup ends in for a user it cannot find, so the variable only saves the search.
        String shell = home != null ? "/bin/sh" : agent.get("SHELL");
        if (shell != null) env.put("SHELL", shell);
        return env;
    }

    private Map<String, String> instanceEnv(LaunchRequest req, Path code) {
        Map<String, String> env = new LinkedHashMap<>();
        if (req.function() == null) return env;
        env.put("TANDEM_FUNCTION", req.function());
        if (code != null) env.put("TANDEM_CODE", code.toString());
        if (req.entrypoint() != null) env.put("TANDEM_ENTRYPOINT", req.entrypoint());
        if (runsCommand(req.runtime(), req.command())) env.put("TANDEM_COMMAND", Json.write(execCommand(req.command(), values(code, req.code()))));
        if (req.timeout() != null) env.put("TANDEM_TIMEOUT_MS", Long.toString(req.timeout().toMillis()));
        if (req.memoryMegabytes() > 0) env.put("TANDEM_MEMORY_MB", Integer.toString(req.memoryMegabytes()));
        return env;
    }

    /** What a warm instance's {@code /_/specialize} takes to become the function's. */
    Map<String, Object> specialization(Runtime runtime, SpecializeRequest req, Path code) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("function", req.function());
        if (code != null) body.put("code", code.toString());
        if (req.entrypoint() != null) body.put("entrypoint", req.entrypoint());
        if (runsCommand(runtime, req.command())) body.put("command", execCommand(req.command(), values(code, req.code())));
        if (req.timeout() != null) body.put("timeoutMs", req.timeout().toMillis());
        if (req.memoryMegabytes() > 0) body.put("memoryMb", req.memoryMegabytes());
        if (!req.variables().isEmpty()) body.put("env", req.variables());
        return body;
    }

    /** Whether the runtime is told a command: exec always (its code, without one), lambda when its environment has one. */
    private static boolean runsCommand(Runtime runtime, String command) {
        return runtime == Runtime.EXEC || (runtime == Runtime.LAMBDA && command != null);
    }

    /** What an exec instance runs per request: the environment's command, or the code itself. */
    private List<String> execCommand(String command, CommandTemplate.Values values) {
        return command != null ? CommandTemplate.expand(command, values) : List.of(String.valueOf(values.code()));
    }

    /** The placeholders of a command for {@code code}, the instance's copy of the package {@code ref}. */
    private CommandTemplate.Values values(Path code, CodeRef ref) {
        Path artifact = code == null || ref == null ? null : CodeCache.artifact(code, ref);
        return new CommandTemplate.Values(code == null ? null : code.toString(), artifact == null ? null : artifact.toString(), java,
                () -> lambdaClients().toString());
    }

    /**
     * An instance's limits: the function's memory for what it runs, plus {@value #RUNTIME_MEMORY_MB} MiB for Tandem's
     * runtime JVM in a java or exec instance (its own heap, metaspace and code cache).
     */
    static Cgroups.Limits limits(Runtime runtime, int memoryMegabytes, int cpuMillis) {
        return limits(runtime == Runtime.HTTP ? 0 : RUNTIME_MEMORY_MB, memoryMegabytes, cpuMillis);
    }

    /** The limits of an instance launched for {@code req}: its host's own share is small when it is the native exec host. */
    Cgroups.Limits limits(LaunchRequest req, int memoryMegabytes, int cpuMillis) {
        return runsNative(req) ? limits(NATIVE_HOST_MEMORY_MB, memoryMegabytes, cpuMillis) : limits(req.runtime(), memoryMegabytes, cpuMillis);
    }

    private static Cgroups.Limits limits(int hostMegabytes, int memoryMegabytes, int cpuMillis) {
        long mb = memoryMegabytes == 0 ? 0 : memoryMegabytes + hostMegabytes;
        return new Cgroups.Limits(mb << 20, cpuMillis, Sandbox.DEFAULT_PIDS);
    }

    /**
     * Whether {@code req} runs on the native exec host: an exec instance whose environment gives no JVM options (those
     * are for the runtime's JVM, which such an environment keeps), when the host could be built.
     */
    boolean runsNative(LaunchRequest req) {
        return req.runtime() == Runtime.EXEC && req.jvmOptions().isEmpty() && execHost().binary() != null;
    }

    /**
     * The native exec host, built on first call (about a second, once per home and version; the agent asks at its
     * start). Throws when {@code TANDEM_EXEC_HOST} is neither {@code native} nor {@code jvm}.
     */
    synchronized ExecHost.Built execHost() {
        if (execHost == null) {
            if (!ExecHost.wantsNative(execHostMode)) {
                execHost = ExecHost.Built.none(ExecHost.MODE_ENV + "=jvm");
            } else {
                String cc = System.getenv(ExecHost.COMPILER_ENV);
                String compiler = cc == null || cc.isBlank() ? "cc" : cc.trim();
                Path machineWide = ExecHost.cacheDir(System.getProperty("user.name"), System.getenv("XDG_CACHE_HOME"), System.getProperty("user.home"));
                // The home's shared directory only when the machine's cache is unusable: a build that failed there
                // (no compiler, a compile error) would fail the same way here, a second time.
                execHost = ExecHost.install(machineWide != null ? machineWide : Sandbox.sharedDir(home.root()).resolve("exec-host"), compiler);
            }
        }
        return execHost;
    }

    synchronized String runtimeClasspath() {
        if (runtimeClasspath == null) runtimeClasspath = RuntimeClasspath.of(RuntimeClasspath.libDir());
        return runtimeClasspath;
    }

    /** Where Tandem's Lambda runtime interface clients are, written there on first use: every instance user reads them. */
    synchronized Path lambdaClients() {
        if (lambdaClients == null) lambdaClients = LambdaClients.install(Sandbox.sharedDir(home.root()).resolve("lambda-clients"));
        return lambdaClients;
    }

    synchronized ClassDataArchive archive() {
        // Instances of users of their own cannot read root's cache: the archive then lives where they can.
        Sandbox s = sandbox.get();
        Path cache = s != null && s.separateUsers() ? Sandbox.sharedDir(home.root()).resolve("cds") : ClassDataArchive.defaultCacheDir();
        if (archive == null) archive = new ClassDataArchive(cache, java, runtimeClasspath());
        return archive;
    }
}
