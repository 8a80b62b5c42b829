package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.agent.testing.PackageServer;
import io.tandem.agent.testing.TestInstances;
import io.tandem.home.TandemHome;
import io.tandem.model.CodeRef;
import io.tandem.model.Json;
import io.tandem.model.Runtime;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent in this JVM running real instance processes. */
class AgentTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Long> pids = new ArrayList<>();
    private Vertx vertx;
    private TandemHome home;
    private String token;
    private Agent agent;
    private PackageServer packages;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        home = new TandemHome(dir);
        token = home.ensureToken();
        agent = new Agent(vertx, Agent.Config.of("n1", null, home).withStopGrace(Duration.ofSeconds(2)));
        agent.start().await();
        packages = new PackageServer().start(vertx, token);
    }

    @AfterEach
    void stop() {
        agent.stop().await();
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        vertx.close().await();
    }

    private HttpResponse<String> call(String method, String path, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(agent.url() + path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(60));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(Json.write(body)));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private LaunchRequest echo(String id, String... args) {
        return new LaunchRequest(id, "test", Runtime.HTTP, "echo", null, null, TestInstances.echoCommand(args), null, null, null);
    }

    private InstanceInfo launched(HttpResponse<String> resp) {
        assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
        InstanceInfo info = Json.read(resp.body(), InstanceInfo.class);
        pids.add(info.pid());
        return info;
    }

    @Test
    void launchesAnInstanceThatAnswersThenStopsIt() throws Exception {
        InstanceInfo info = launched(call("POST", "/v1/instances", echo("echo-1")));

        assertThat(info.state()).isEqualTo("ready");
        assertThat(TestInstances.get(info.port(), "/hi")).startsWith("echo GET /hi fn=echo pid=" + info.pid());
        assertThat(call("GET", "/v1/instances", null).body()).contains("\"echo-1\"");
        assertThat(call("GET", "/v1/logs/echo?tail=5", null).body()).contains("\"instance\":\"echo-1\"", "echo server on " + info.port());
        assertThat(Files.readString(dir.resolve("nodes/n1/instances.pids"))).startsWith(info.pid() + " ");

        assertThat(call("DELETE", "/v1/instances/echo-1", null).statusCode()).isEqualTo(204);
        assertThat(ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(call("GET", "/v1/instances", null).body()).isEqualTo("[]");
    }

    @Test
    void followingALogSendsTheBacklogThenLiveThenNewLines() throws Exception {
        InstanceInfo first = launched(call("POST", "/v1/instances", echo("echo-1")));
        HttpResponse<Stream<String>> resp = http.send(HttpRequest.newBuilder(URI.create(agent.url() + "/v1/logs/echo?follow=true"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofLines());
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().start(() -> resp.body().forEach(lines::add));
        await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(l -> l.equals("{\"live\":true}")));
        assertThat(lines.peek()).contains("echo server on " + first.port());

        InstanceInfo second = launched(call("POST", "/v1/instances", echo("echo-2")));

        await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(l -> l.contains("echo server on " + second.port())));
    }

    @Test
    void refusesCallersWithoutTheToken() throws Exception {
        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(agent.url() + "/v1/instances")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(401);
        assertThat(resp.body()).contains("\"error\"");
    }

    @Test
    void isAliveAtOnceAndReadyOnlyWhileTheExecutorHoldsItsEventStream() throws Exception {
        assertThat(probe("/healthz")).isEqualTo(200);
        assertThat(probe("/readyz")).isEqualTo(503);
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                http.send(HttpRequest.newBuilder(URI.create(agent.url() + "/v1/events")).header("Authorization", "Bearer " + token).build(),
                        HttpResponse.BodyHandlers.ofLines()).body().forEach(line -> { });
            } catch (Exception ignored) {
                // the test ended
            }
        });
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> probe("/readyz") == 200);
        } finally {
            reader.interrupt();
        }
    }

    /** A probe as Kubernetes sends it: no token. */
    private int probe(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(agent.url() + path)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void reportsAnInstanceThatExitsBeforeItIsReady() throws Exception {
        HttpResponse<String> resp = call("POST", "/v1/instances", echo("echo-2", "fail"));
        assertThat(resp.statusCode()).isEqualTo(422);
        assertThat(resp.body()).contains("exited before it was ready").contains("exit code 3").contains("refusing to start");
    }

    @Test
    void streamsTheExitOfAnInstanceTheMomentItDies() throws Exception {
        BlockingQueue<AgentEvent> events = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                HttpResponse<Stream<String>> resp = http.send(HttpRequest.newBuilder(URI.create(agent.url() + "/v1/events"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofLines());
                resp.body().forEach(line -> events.add(Json.read(line, AgentEvent.class)));
            } catch (Exception ignored) {
                // the test ended
            }
        });
        try {
            InstanceInfo info = launched(call("POST", "/v1/instances", echo("echo-3")));
            await().until(() -> events.stream().anyMatch(e -> e.type().equals(AgentEvent.HEARTBEAT)));
            ProcessHandle.of(info.pid()).orElseThrow().destroyForcibly();
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e.type().equals(AgentEvent.EXITED)));
            AgentEvent exited = events.stream().filter(e -> e.type().equals(AgentEvent.EXITED)).findFirst().orElseThrow();
            assertThat(exited.instanceId()).isEqualTo("echo-3");
            assertThat(exited.exitCode()).isEqualTo(137);
            assertThat(exited.node()).isEqualTo("n1");
        } finally {
            reader.interrupt();
        }
    }

    @Test
    void fetchesASingleFilePackageOnceAndRunsIt() throws Exception {
        String sha = packages.add(TestInstances.echoScript());
        CodeRef code = new CodeRef(sha, "serve.sh", 0, CodeRef.PackageKind.FILE);
        for (String id : List.of("file-1", "file-2")) {
            InstanceInfo info = launched(call("POST", "/v1/instances",
                    new LaunchRequest(id, "test", Runtime.HTTP, "fn", code, null, null, null, null, packages.url())));
            assertThat(TestInstances.get(info.port(), "/x")).startsWith("echo GET /x");
        }
        assertThat(packages.fetches).hasValue(1);
        assertThat(dir.resolve("nodes/n1/code").resolve(sha).resolve("serve.sh")).isExecutable();
    }

    @Test
    void prefetchedCodeIsNotFetchedAgainByTheLaunchThatUsesIt() throws Exception {
        String sha = packages.add(TestInstances.echoScript());
        CodeRef code = new CodeRef(sha, "serve.sh", 0, CodeRef.PackageKind.FILE);
        HttpResponse<String> prefetch = call("POST", "/v1/code", new PrefetchRequest(code, Runtime.HTTP, packages.url()));
        assertThat(prefetch.statusCode()).as(prefetch.body()).isEqualTo(204);
        assertThat(dir.resolve("nodes/n1/code").resolve(sha).resolve("serve.sh")).isExecutable();

        InstanceInfo info = launched(call("POST", "/v1/instances",
                new LaunchRequest("pre-1", "test", Runtime.HTTP, "fn", code, null, null, null, null, packages.url())));
        assertThat(TestInstances.get(info.port(), "/x")).startsWith("echo GET /x");
        assertThat(packages.fetches).hasValue(1);
    }

    @Test
    void aLaunchDoesNotWaitForTheDownloadOfAnotherPackage() throws Exception {
        String slowSha = packages.add("#!/bin/sh\necho slow\n".getBytes(StandardCharsets.UTF_8));
        Promise<Void> slow = packages.hold(slowSha);
        CodeRef slowCode = new CodeRef(slowSha, "slow.sh", 0, CodeRef.PackageKind.FILE);
        CompletableFuture<HttpResponse<String>> prefetch = CompletableFuture.supplyAsync(() -> {
            try {
                return call("POST", "/v1/code", new PrefetchRequest(slowCode, Runtime.HTTP, packages.url()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().until(() -> packages.fetches.get() == 1);

        String sha = packages.add(TestInstances.echoScript());
        CodeRef code = new CodeRef(sha, "serve.sh", 0, CodeRef.PackageKind.FILE);
        InstanceInfo info = launched(call("POST", "/v1/instances",
                new LaunchRequest("fast-1", "test", Runtime.HTTP, "fn", code, null, null, null, null, packages.url())));
        assertThat(TestInstances.get(info.port(), "/x")).startsWith("echo GET /x");
        assertThat(prefetch).as("the other download still under way").isNotDone();

        slow.complete();
        assertThat(prefetch.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(204);
    }

    @Test
    void prefetchOfAPackageThatDoesNotExistIsA502NamingIt() throws Exception {
        CodeRef code = new CodeRef("ab".repeat(32), "gone.sh", 0, CodeRef.PackageKind.FILE);
        HttpResponse<String> resp = call("POST", "/v1/code", new PrefetchRequest(code, Runtime.HTTP, packages.url()));
        assertThat(resp.statusCode()).isEqualTo(502);
        assertThat(resp.body()).contains("abab");
    }

    @Test
    void refusesAnArchiveThatEscapesItsDirectory() throws Exception {
        String sha = packages.add(TestInstances.zip("../evil.sh", "boom".getBytes()));
        CodeRef code = new CodeRef(sha, "evil.zip", 0, CodeRef.PackageKind.ZIP);
        HttpResponse<String> resp = call("POST", "/v1/instances",
                new LaunchRequest("zip-1", "test", Runtime.HTTP, "fn", code, null, "{code}/run", null, null, packages.url()));
        assertThat(resp.statusCode()).isEqualTo(422);
        assertThat(resp.body()).contains("cannot prepare the code", "../evil.sh");
        assertThat(dir.resolve("nodes/n1/code/evil.sh")).doesNotExist();
    }

    @Test
    void killsLeftoverInstancesOfAnEarlierAgentAtStart() throws Exception {
        Process leftover = new ProcessBuilder("sleep", "120").start();
        pids.add(leftover.pid());
        Files.createDirectories(home.nodeDir("n2"));
        Files.writeString(home.nodeDir("n2").resolve("instances.pids"),
                leftover.pid() + " " + leftover.info().startInstant().orElseThrow() + "\n");
        Agent second = new Agent(vertx, Agent.Config.of("n2", null, home));
        second.start().await();
        try {
            await().until(() -> !leftover.isAlive());
        } finally {
            second.stop().await();
        }
    }
}
