package io.tandem.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.agent.testing.PackageServer;
import io.tandem.agent.testing.TestInstances;
import io.tandem.home.TandemHome;
import io.tandem.model.Change;
import io.tandem.model.CodeRef;
import io.tandem.model.Endpoint;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor with two real agent processes (separate JVMs) running real instance processes. */
class ExecutorProcessTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final FakeFeed feed = new FakeFeed();
    private final RecordingPublisher publisher = new RecordingPublisher();
    private final List<Long> instancePids = new ArrayList<>();
    private Vertx vertx;
    private TandemHome home;
    private PackageServer packages;
    private Executor executor;
    private List<Process> agents = List.of();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        home = new TandemHome(dir);
        String token = home.ensureToken();
        packages = new PackageServer().start(vertx, token);
        // Ten misses, not three: agents are JVMs sharing two busy cores here; a killed agent is seen by its dropped
        // stream at once anyway.
        ExecutorConfig d = ExecutorConfig.defaults().withPackagesUrl(packages.url());
        ExecutorConfig config = new ExecutorConfig(d.host(), 0, d.packagesUrl(), d.heartbeatInterval(), 10, d.loadBackoff(), d.placement(), d.clock(), ProcessStates.proc());
        executor = Executor.builder(home, vertx, feed, publisher, config).build();
        executor.start().await();
        agents = executor.startLocalAgents(2);
    }

    @AfterEach
    void stop() throws Exception {
        remember();
        executor.stop().await();
        for (Process agent : agents) {
            agent.destroyForcibly();
            agent.waitFor(10, TimeUnit.SECONDS);
        }
        instancePids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        vertx.close().await();
    }

    /** Notes every instance pid seen, so teardown can kill what a failed test left behind. */
    private void remember() {
        executor.status().instances().forEach(i -> {
            if (i.pid() > 0 && !instancePids.contains(i.pid())) instancePids.add(i.pid());
        });
    }

    private static Environment echoEnv(String name, Runtime runtime, int poolSize) {
        return new Environment(Metadata.named(name), new EnvironmentSpec(runtime, TestInstances.echoCommand(), poolSize, null));
    }

    private static Function function(String name, String env, ExecutorType type, int minScale, CodeRef code) {
        return new Function(new Metadata(name, 1, null, null), new FunctionSpec(env, code, "example.Hello", type, minScale,
                minScale, null, null, null, null, null));
    }

    private long pidOf(String instanceId) {
        return executor.status().instances().stream().filter(i -> i.id().equals(instanceId)).findFirst().orElseThrow().pid();
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void newdeployReplicaServesAndIsReplacedWhenItsProcessIsKilled() {
        feed.push(Change.Type.ADDED, echoEnv("echo", Runtime.HTTP, 0));
        feed.push(Change.Type.ADDED, function("api", "echo", ExecutorType.NEWDEPLOY, 1, null));
        await().atMost(PATIENCE).until(() -> publisher.of("api").size() == 1);
        Endpoint first = publisher.of("api").getFirst();
        long pid = pidOf(first.instanceId());
        remember();
        assertThat(TestInstances.get(first.port(), "/hello")).isEqualTo("echo GET /hello fn=api pid=" + pid);

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        await().atMost(PATIENCE).until(() -> executor.status().instances().stream().noneMatch(i -> i.id().equals(first.instanceId())));
        await().atMost(PATIENCE).until(() -> publisher.of("api").size() == 1 && !publisher.of("api").getFirst().equals(first));
        Endpoint replacement = publisher.of("api").getFirst();
        remember();
        assertThat(TestInstances.get(replacement.port(), "/hello")).startsWith("echo GET /hello fn=api pid=").doesNotEndWith("pid=" + pid);
    }

    @Test
    void killingAnAgentKillsItsInstancesAndMovesReplicasToTheLiveNode() {
        feed.push(Change.Type.ADDED, echoEnv("echo", Runtime.HTTP, 0));
        feed.push(Change.Type.ADDED, function("api", "echo", ExecutorType.NEWDEPLOY, 2, null));
        await().atMost(PATIENCE).until(() -> publisher.of("api").size() == 2);
        assertThat(publisher.of("api")).extracting(Endpoint::node).containsExactlyInAnyOrder("n1", "n2");
        Endpoint onN1 = publisher.of("api").stream().filter(e -> e.node().equals("n1")).findFirst().orElseThrow();
        long orphan = pidOf(onN1.instanceId());
        remember();

        agents.getFirst().destroyForcibly(); // n1: SIGKILL, no chance to clean up

        await().atMost(PATIENCE).until(() -> !alive(orphan));
        await().atMost(PATIENCE).until(() -> executor.status().nodes().stream()
                .anyMatch(n -> n.name().equals("n1") && n.state().equals("dead")));
        await().atMost(PATIENCE).until(() -> publisher.of("api").size() == 2
                && publisher.of("api").stream().allMatch(e -> e.node().equals("n2")));
        remember();
        publisher.of("api").forEach(e -> assertThat(TestInstances.get(e.port(), "/")).startsWith("echo GET / fn=api"));
    }

    @Test
    void poolmgrSpecializesAWarmInstanceAndRefillsThePool() throws Exception {
        String sha = packages.add("not really a jar".getBytes());
        CodeRef code = new CodeRef(sha, "hello.jar", 16, CodeRef.PackageKind.JAR);
        feed.push(Change.Type.ADDED, echoEnv("jvm", Runtime.JAVA, 1));
        feed.push(Change.Type.ADDED, function("hello", "jvm", ExecutorType.POOLMGR, 1, code));
        await().atMost(PATIENCE).until(() -> executor.status().instances().stream()
                .filter(i -> i.role().equals("pool") && i.state().equals("ready")).count() == 2);
        remember();

        Endpoint e = executor.acquire("hello").get(30, TimeUnit.SECONDS);

        assertThat(TestInstances.get(e.port(), "/hi")).startsWith("echo GET /hi fn=hello");
        assertThat(publisher.of("hello")).containsExactly(e);
        assertThat(executor.acquire("hello").get(5, TimeUnit.SECONDS)).isEqualTo(e);
        await().atMost(PATIENCE).until(() -> executor.status().instances().stream()
                .filter(i -> i.role().equals("pool") && i.state().equals("ready")).count() == 2);
        assertThat(executor.status().instances()).filteredOn(i -> "hello".equals(i.function()))
                .extracting(ExecutorStatus.InstanceStatus::role).containsExactly("replica");
        assertThat(home.nodeDir(e.node()).resolve("code").resolve(sha).resolve("hello.jar")).exists();
        remember();
    }

    @Test
    void aFunctionThatFailsToLoadReportsItsErrorAndKeepsTheWarmInstance() {
        String sha = packages.add("broken".getBytes());
        CodeRef code = new CodeRef(sha, "broken.jar", 6, CodeRef.PackageKind.JAR);
        feed.push(Change.Type.ADDED, echoEnv("jvm", Runtime.JAVA, 1));
        feed.push(Change.Type.ADDED, function("broken-fn", "jvm", ExecutorType.POOLMGR, 1, code));
        await().atMost(PATIENCE).until(() -> executor.status().instances().stream()
                .filter(i -> i.role().equals("pool") && i.state().equals("ready")).count() == 2);
        remember();

        assertThatThrownBy(() -> executor.acquire("broken-fn").get(30, TimeUnit.SECONDS))
                .hasMessageContaining("function 'broken-fn' failed to load").hasMessageContaining("ClassNotFoundException: example.Nope");
        assertThat(executor.functionStatus("broken-fn").error()).contains("ClassNotFoundException");
        assertThat(executor.status().instances()).extracting(ExecutorStatus.InstanceStatus::role).containsOnly("pool");
    }

    @Test
    void aFrozenNodeIsDeclaredDeadAndItsInstancesAreStoppedWhenItWakesUp() throws Exception {
        feed.push(Change.Type.ADDED, echoEnv("echo", Runtime.HTTP, 0));
        feed.push(Change.Type.ADDED, function("api", "echo", ExecutorType.NEWDEPLOY, 2, null));
        await().atMost(PATIENCE).until(() -> publisher.of("api").size() == 2);
        Endpoint onN1 = publisher.of("api").stream().filter(e -> e.node().equals("n1")).findFirst().orElseThrow();
        long frozenInstance = pidOf(onN1.instanceId());
        long agent = agents.getFirst().pid();
        remember();

        signal("STOP", agent, frozenInstance);
        try {
            await().atMost(PATIENCE).until(() -> executor.status().nodes().stream()
                    .anyMatch(n -> n.name().equals("n1") && n.state().equals("dead")));
            await().atMost(PATIENCE).until(() -> publisher.of("api").size() == 2
                    && publisher.of("api").stream().allMatch(e -> e.node().equals("n2")));
        } finally {
            signal("CONT", agent, frozenInstance);
        }

        // Woken up, the agent registers again and the executor stops what it already replaced elsewhere.
        await().atMost(PATIENCE).until(() -> executor.status().nodes().stream()
                .anyMatch(n -> n.name().equals("n1") && n.state().equals("alive")));
        await().atMost(PATIENCE).until(() -> !alive(frozenInstance));
        remember();
    }

    private static void signal(String signal, long... pids) throws Exception {
        for (long pid : pids) new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor();
    }

    @Test
    void anExecFunctionRunsOnTheRealRuntimeAfterSpecializingAWarmInstance() throws Exception {
        String sha = packages.add("#!/bin/sh\necho \"hello from exec via $Http_Method\"\n".getBytes());
        CodeRef code = new CodeRef(sha, "hello.sh", 0, CodeRef.PackageKind.FILE);
        feed.push(Change.Type.ADDED, new Environment(Metadata.named("exec"), new EnvironmentSpec(Runtime.EXEC, null, 1, null)));
        feed.push(Change.Type.ADDED, function("shout", "exec", ExecutorType.POOLMGR, 1, code));
        await().atMost(PATIENCE).until(() -> executor.status().instances().stream()
                .filter(i -> i.role().equals("pool") && i.state().equals("ready")).count() == 2);
        remember();

        Endpoint e = executor.acquire("shout").get(30, TimeUnit.SECONDS);

        assertThat(TestInstances.get(e.port(), "/")).isEqualTo("hello from exec via GET\n");
        remember();
    }

    @Test
    void aLambdaHandlerRunsOnTheRealJavaRuntime() throws Exception {
        String sha = packages.add(lambdaJar());
        CodeRef code = new CodeRef(sha, "hello.jar", 0, CodeRef.PackageKind.JAR);
        feed.push(Change.Type.ADDED, new Environment(Metadata.named("java"), new EnvironmentSpec(Runtime.JAVA, null, 1, null)));
        feed.push(Change.Type.ADDED, function("hello", "java", ExecutorType.POOLMGR, 1, code));
        await().atMost(PATIENCE).until(() -> executor.status().instances().stream()
                .filter(i -> i.role().equals("pool") && i.state().equals("ready")).count() == 2);
        remember();

        Endpoint e = executor.acquire("hello").get(30, TimeUnit.SECONDS);

        assertThat(TestInstances.get(e.port(), "/")).contains("hello from lambda");
        remember();
    }

    /** A jar with {@code example.Hello}, an AWS Lambda {@code RequestHandler<String, String>}, compiled here. */
    private byte[] lambdaJar() throws Exception {
        Path src = dir.resolve("src/example/Hello.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                package example;
                import com.amazonaws.services.lambda.runtime.Context;
                import com.amazonaws.services.lambda.runtime.RequestHandler;
                public class Hello implements RequestHandler<String, String> {
                    public String handleRequest(String input, Context context) { return "hello from lambda " + input; }
                }
                """);
        Path classes = dir.resolve("classes");
        String lambda = Path.of(Class.forName("com.amazonaws.services.lambda.runtime.RequestHandler")
                .getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "--release", "21", "-d", classes.toString(), "-cp", lambda, src.toString());
        assertThat(rc).isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream jar = new ZipOutputStream(out)) {
            jar.putNextEntry(new ZipEntry("example/Hello.class"));
            jar.write(Files.readAllBytes(classes.resolve("example/Hello.class")));
            jar.closeEntry();
        }
        return out.toByteArray();
    }
}
