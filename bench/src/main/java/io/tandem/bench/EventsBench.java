package io.tandem.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.tandem.chaos.Chaos;
import io.tandem.chaos.ClusterStatus;
import io.tandem.client.TandemClient;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.FaultTolerance;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Json;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.model.MessageQueueTriggerSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import io.tandem.model.Strategy;
import java.net.InetSocketAddress;
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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem bench events}: the same trivial active-standby function called three ways at one steady rate, side
 * by side in one run: synchronous HTTP (the baseline), async calls with a callback, and messages through a
 * message queue trigger with answers on a response topic. For each: the throughput that came back, end-to-end
 * latency (sent to answered: the response, the callback, the answer message) and, with {@code --kill-node}, the
 * node of the active SIGKILLed half-way: calls lost and calls answered twice.
 */
@Command(name = "events", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sync calls, async calls with callbacks, and a NATS message queue trigger, at one steady rate against",
                "one active-standby function, side by side: throughput, end-to-end latency, lost and twice-answered calls.",
                "Needs NATS with JetStream (--nats, default nats://127.0.0.1:4222)."})
final class EventsBench implements Callable<Integer> {
    @Option(names = "--rate", defaultValue = "50", description = "Calls per second in each mode (default: ${DEFAULT-VALUE}).")
    int rate;
    @Option(names = "--seconds", defaultValue = "15", description = "Seconds of load per mode and round (default: ${DEFAULT-VALUE}).")
    int seconds;
    @Option(names = "--rounds", defaultValue = "3", description = "Rounds; the modes alternate within each (default: ${DEFAULT-VALUE}).")
    int rounds;
    @Option(names = "--kill-node", description = "SIGKILL the active's node half-way through each async and queue run (then start it again).")
    boolean killNode;
    @Option(names = "--nats", defaultValue = "nats://127.0.0.1:4222", description = "NATS with JetStream (default: ${DEFAULT-VALUE}).")
    String nats;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    /** One mode's round: what was sent, what came back (first answers), how many came twice, and the latencies. */
    record Run(String mode, int sent, int answered, int twice, double seconds, List<Double> latencyMillis) {
        double throughput() {
            return answered / seconds;
        }
    }

    /** The answers that came back, by call id: when the first came, and how many. Any thread. */
    private record Answers(Map<String, Long> firstAt, Map<String, AtomicLong> count) {
        Answers() {
            this(new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
        }

        void record(String id) {
            firstAt.putIfAbsent(id, System.nanoTime());
            count.computeIfAbsent(id, k -> new AtomicLong()).incrementAndGet();
        }
    }

    /** Where each mode sends: the router (sync and async calls), the callback receiver, the trigger's stream. */
    private record Targets(URI router, String callback, JetStream js, String subject) {
    }

    @Override
    public Integer call() throws Exception {
        if (rate < 1 || rate > 2000 || seconds < 2 || rounds < 1) {
            System.err.println("tandem bench events: --rate must be 1 to 2000, --seconds at least 2, --rounds at least 1");
            return 2;
        }
        System.out.printf(Locale.ROOT, "events: %d calls/s for %d s per mode, %d round(s), active-standby function%s%n", rate, seconds, rounds,
                killNode ? ", the active's node SIGKILLed half-way through async and queue runs" : "");
        Answers answers = new Answers();
        HttpServer receiver = callbackReceiver(answers);
        try (ServerProcess server = ServerProcess.start(2, "--allow-private-callbacks", "--nats", nats);
             Connection nc = Nats.connect(nats)) {
            TandemClient client = server.client();
            deploy(client);
            String topic = "bench.events." + System.nanoTime();
            client.put("/v1/triggers/messagequeue/bench-events", new MessageQueueTrigger(Metadata.named("bench-events"),
                    new MessageQueueTriggerSpec("hello", "nats", topic + ".in", topic + ".out", null, 3, null, null, 16, null, null)));
            Dispatcher answersIn = nc.createDispatcher(m -> {
                String id = m.getHeaders() == null ? null : m.getHeaders().getFirst("X-Tandem-Message-Id");
                if (id != null) answers.record(id);
            });
            answersIn.subscribe(topic + ".out");
            awaitQueueReady(client);
            Targets targets = new Targets(URI.create(server.info().router()), "http://127.0.0.1:" + receiver.getAddress().getPort() + "/cb",
                    nc.jetStream(), topic + ".in");
            report(rounds(client, server, targets, answers));
        } finally {
            receiver.stop(0);
        }
        return 0;
    }

    /** Receives the async calls' callbacks, on virtual threads. */
    private static HttpServer callbackReceiver(Answers answers) throws java.io.IOException {
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String id = exchange.getRequestHeaders().getFirst("X-Call-Id");
            if (id != null) answers.record(id);
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        return receiver;
    }

    /** Every round, the modes one after the other, each printed as it ends. */
    private List<Run> rounds(TandemClient client, ServerProcess server, Targets targets, Answers answers) throws Exception {
        Chaos chaos = Chaos.local(client);
        List<Run> runs = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (String mode : List.of("sync", "async", "queue")) {
                awaitPair(chaos);
                Run run = switch (mode) {
                    case "sync" -> runSync(targets.router());
                    case "async" -> runAsync(targets.router(), targets.callback(), chaos, server, answers);
                    default -> runQueue(targets.js(), targets.subject(), chaos, server, answers);
                };
                runs.add(run);
                if (killNode && !mode.equals("sync")) printEventsSinceKill(client);
                System.out.printf(Locale.ROOT, "  round %d %-6s sent %d, answered %d (lost %d, twice %d), %.1f/s, p50 %.1f ms, p99 %.1f ms%n",
                        r + 1, mode, run.sent(), run.answered(), run.sent() - run.answered(), run.twice(), run.throughput(),
                        Stats.percentile(run.latencyMillis(), 50), Stats.percentile(run.latencyMillis(), 99));
            }
        }
        return runs;
    }

    private void deploy(TandemClient client) throws Exception {
        String command = "{java} -XX:+UseSerialGC -cp " + System.getProperty("java.class.path") + " " + HelloServer.class.getName();
        client.put("/v1/environments/bench-http", new Environment(Metadata.named("bench-http"), new EnvironmentSpec(Runtime.HTTP, command, 0, null)));
        Path code = Files.createTempFile("bench-hello", ".txt");
        Files.writeString(code, "served by " + HelloServer.class.getName() + "\n");
        CodeRef ref = client.uploadPackage(code);
        client.put("/v1/functions/hello", new Function(Metadata.named("hello"), new FunctionSpec("bench-http", ref, null,
                ExecutorType.NEWDEPLOY, 1, 1, null, null, null, true, FaultTolerance.defaults().withStrategy(Strategy.ACTIVE_STANDBY))));
    }

    private Run runSync(URI router) throws Exception {
        List<Double> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong ok = new AtomicLong();
        double took = openLoop(i -> {
            long t0 = System.nanoTime();
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(router.resolve("/function/hello")).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    ok.incrementAndGet();
                    latencies.add((System.nanoTime() - t0) / 1e6);
                }
            } catch (Exception e) {
                // counted as not answered
            }
        }, null);
        return new Run("sync", rate * seconds, (int) ok.get(), 0, took, latencies);
    }

    private Run runAsync(URI router, String callback, Chaos chaos, ServerProcess server, Answers answers) throws Exception {
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        AtomicLong refused = new AtomicLong();
        long began = System.nanoTime();
        openLoop(i -> {
            long t0 = System.nanoTime();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(router.resolve("/async-function/hello")).header("X-Callback-Url", callback)
                        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString("call " + i)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 202) sentAt.put(Json.read(r.body(), JsonNode.class).path("callId").asText(), t0);
                else refused.incrementAndGet();
            } catch (Exception e) {
                refused.incrementAndGet();
            }
        }, killNode ? () -> kill(chaos, server) : null);
        return settle("async", sentAt, refused.get(), began, answers);
    }

    private Run runQueue(JetStream js, String subject, Chaos chaos, ServerProcess server, Answers answers) throws Exception {
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        AtomicLong refused = new AtomicLong();
        long began = System.nanoTime();
        String run = Long.toString(System.nanoTime(), 36);
        openLoop(i -> {
            long t0 = System.nanoTime();
            try {
                // The trigger's answer names the message by its place in the stream, which the publish acknowledgement gives.
                PublishAck ack = js.publish(subject, ("message " + i).getBytes(StandardCharsets.UTF_8),
                        PublishOptions.builder().messageId(run + "-" + i).build());
                sentAt.put(ack.getStream() + ":" + ack.getSeqno(), t0);
            } catch (Exception e) {
                refused.incrementAndGet();
            }
        }, killNode ? () -> kill(chaos, server) : null);
        return settle("queue", sentAt, refused.get(), began, answers);
    }

    /** Waits (up to 60 s) for the answers of what was taken, then counts them. */
    private static Run settle(String mode, Map<String, Long> sentAt, long refused, long began, Answers answers) throws InterruptedException {
        Map<String, Long> answeredAt = answers.firstAt();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && !answeredAt.keySet().containsAll(sentAt.keySet())) {
            Thread.sleep(50); // the answers arrive on other threads; this only bounds the wait
        }
        List<Double> latencies = new ArrayList<>();
        long last = began;
        int twice = 0;
        for (var e : sentAt.entrySet()) {
            Long at = answeredAt.get(e.getKey());
            if (at == null) continue;
            latencies.add((at - e.getValue()) / 1e6);
            last = Math.max(last, at);
            if (answers.count().get(e.getKey()).get() > 1) twice++;
        }
        if (refused > 0) System.out.printf("  %s: %d calls refused at send time%n", mode, refused);
        return new Run(mode, (int) (sentAt.size() + refused), latencies.size(), twice, (last - began) / 1e9, latencies);
    }

    /**
     * Sends {@code rate * seconds} calls on schedule ({@link OpenLoopGenerator}), each on a virtual thread of its own
     * (the calls block); runs {@code halfway} once in the middle. Returns the seconds from the start to the last answer.
     */
    private double openLoop(java.util.function.IntConsumer send, Runnable halfway) throws InterruptedException {
        int total = rate * seconds;
        long start = System.nanoTime();
        new OpenLoopGenerator().run(start, OpenLoopGenerator.fixedRate(rate, total), i -> {
            if (halfway != null && i == total / 2) Thread.ofVirtual().start(halfway);
            return CompletableFuture.runAsync(() -> send.accept(i), task -> Thread.ofVirtual().start(task));
        }, Duration.ofSeconds(60));
        return (System.nanoTime() - start) / 1e9;
    }

    private volatile long killedAtMs;

    private void kill(Chaos chaos, ServerProcess server) {
        try {
            ClusterStatus.Instance active = chaos.status().instancesOf("hello").stream().filter(i -> i.role().equals("active")).findFirst().orElseThrow();
            killedAtMs = chaos.killNode(active.node()).signalledAtMs();
            System.out.printf("  killed node %s (the active %s)%n", active.node(), active.id());
            server.restartNode(active.node());
        } catch (Exception e) {
            System.out.println("  could not kill the active's node: " + e.getMessage());
        }
    }

    /** The cluster's events from the kill on, with their time after it: where a slow recovery spent its time. */
    private void printEventsSinceKill(TandemClient client) {
        for (JsonNode e : client.get("/v1/events?limit=200")) {
            long at = java.time.Instant.parse(e.path("at").asText()).toEpochMilli() - killedAtMs;
            if (at < -100 || at > 20_000) continue;
            System.out.printf(Locale.ROOT, "    +%5d ms %-18s %s %s%n", at, e.path("type").asText(), e.path("instance").asText(""),
                    e.path("detail").asText(""));
        }
    }

    /**
     * Waits until the function has a ready active and a ready standby on another node, and nothing is starting: each
     * run starts from a settled pair (after a node came back, the standby moves off the active's node first).
     */
    private static void awaitPair(Chaos chaos) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            ClusterStatus status = chaos.status();
            List<ClusterStatus.Instance> mine = status.instancesOf("hello");
            var active = mine.stream().filter(i -> i.role().equals("active") && i.state().equals("ready")).findFirst();
            boolean apart = active.isPresent() && mine.stream().anyMatch(i -> i.role().equals("standby") && i.state().equals("ready")
                    && !i.node().equals(active.get().node()));
            if (apart && status.instances().stream().allMatch(i -> i.state().equals("ready")) && mine.size() == 2) return;
            Thread.sleep(100); // polling the server's status: it has no change stream for instances
        }
        throw new IllegalStateException("function 'hello' had no ready active and standby on two nodes within 90 s; instances: "
                + chaos.status().instances());
    }

    private static void awaitQueueReady(TandemClient client) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode t = client.get("/v1/triggers/messagequeue/bench-events");
            if (t.path("status").path("state").asText().equals("connected")) return;
            Thread.sleep(100); // polling the trigger's status: the API has no stream of it
        }
        throw new IllegalStateException("the message queue trigger did not connect to NATS within 60 s");
    }

    private void report(List<Run> runs) {
        System.out.println();
        System.out.printf("%-7s %-30s %-30s %-30s %s%n", "mode", "answered/s median (min..max)", "p50 ms median (min..max)", "p99 ms median (min..max)",
                "lost / twice (all rounds)");
        Map<String, Stats> p50s = new java.util.LinkedHashMap<>();
        for (String mode : List.of("sync", "async", "queue")) {
            List<Run> mine = runs.stream().filter(r -> r.mode().equals(mode)).toList();
            Stats tput = Stats.of(mine.stream().map(Run::throughput).toList());
            Stats p50 = Stats.of(mine.stream().map(r -> Stats.percentile(r.latencyMillis(), 50)).toList());
            Stats p99 = Stats.of(mine.stream().map(r -> Stats.percentile(r.latencyMillis(), 99)).toList());
            p50s.put(mode, p50);
            int lost = mine.stream().mapToInt(r -> r.sent() - r.answered()).sum();
            int twice = mine.stream().mapToInt(Run::twice).sum();
            System.out.printf(Locale.ROOT, "%-7s %-30s %-30s %-30s %d / %d%n", mode, range(tput, 1), range(p50, 1), range(p99, 1), lost, twice);
        }
        System.out.printf(Locale.ROOT, "end-to-end p50 against sync's: async x%.1f, queue x%.1f%n",
                p50s.get("async").median() / p50s.get("sync").median(), p50s.get("queue").median() / p50s.get("sync").median());
    }

    private static String range(Stats s, int decimals) {
        String f = "%,." + decimals + "f";
        return String.format(Locale.ROOT, f + " (" + f + ".." + f + ")", s.median(), s.min(), s.max());
    }
}
