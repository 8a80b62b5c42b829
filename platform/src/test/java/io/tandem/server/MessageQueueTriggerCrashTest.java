package io.tandem.server;

import static io.tandem.server.MessageQueueTriggerEndToEndTest.bodies;
import static io.tandem.server.MessageQueueTriggerEndToEndTest.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nats.client.Connection;
import io.tandem.client.TandemClient;
import io.tandem.home.TandemHome;
import io.tandem.model.CodeRef;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.model.MessageQueueTriggerSpec;
import io.tandem.model.Metadata;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem server} SIGKILLed while a message queue trigger works through a backlog: started again, it resumes
 * from its durable consumer; every message is handled, none is lost, and an acknowledged one is never handled again
 * (only the one in flight at the kill may be, as delivery is at least once).
 */
class MessageQueueTriggerCrashTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    @TempDir
    Path homeDir;
    Process server;
    Connection nats;
    String suffix = NatsHelper.unique();

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (server != null) kill();
        if (nats != null) {
            NatsHelper.deleteStreams(nats, suffix);
            nats.close();
        }
    }

    @Test
    void aServerKilledMidStreamResumesFromItsDurableConsumerAndLosesNoMessage() throws Exception {
        TandemHome home = new TandemHome(homeDir);
        int routerPort = ServerChild.freePort();
        int apiPort = ServerChild.freePort();
        server = ServerChild.start(home, routerPort, apiPort);
        TandemClient client = new TandemClient(URI.create("http://127.0.0.1:" + apiPort), home.readToken());
        nats = NatsHelper.connect(NatsHelper.SHARED_URL);
        String topic = "crash-" + suffix + ".in";
        Path calls = tmp.resolve("calls.log");
        CodeRef code = client.uploadPackage(MessageQueueTriggerEndToEndTest.recorder(tmp, calls));
        // A 5 s timeout makes a 15 s ack wait: the message in flight at the kill comes back that soon.
        client.put("/v1/functions/rec", new Function(Metadata.named("rec"),
                new FunctionSpec("exec", code, null, null, null, null, Duration.ofSeconds(5), null, null, null, null)));
        client.put("/v1/triggers/messagequeue/feed", new MessageQueueTrigger(Metadata.named("feed"), MessageQueueTriggerSpec.of("rec", topic, null, null)));
        await().atMost(WAIT).until(() -> client.get("/v1/triggers/messagequeue/feed").path("status").path("state").asText().equals("connected"));

        List<String> sent = IntStream.range(0, 200).mapToObj(i -> "m-" + i).toList();
        for (String b : sent) publish(nats, topic, b);
        await().atMost(WAIT).until(() -> bodies(calls).size() >= 30);
        kill();
        int atKill = bodies(calls).size();
        server = ServerChild.start(home, routerPort, apiPort);

        await().atMost(WAIT).untilAsserted(() -> assertThat(bodies(calls)).as("server log: %s", tail(home)).containsAll(sent));
        // A function process started just as everything was killed may run on, reading an empty body from its dead
        // watchdog: a call cut by the crash, counted apart. Its message is delivered again, as it was not acknowledged.
        List<String> all = bodies(calls);
        long cut = all.stream().filter(String::isEmpty).count();
        List<String> seen = all.stream().filter(b -> !b.isEmpty()).toList();
        long lost = sent.stream().filter(b -> !seen.contains(b)).count();
        long twice = seen.size() - seen.stream().distinct().count();
        System.out.println("server SIGKILLed after " + atKill + " of " + sent.size() + " messages: " + lost + " lost, " + twice
                + " handled twice, " + cut + " call(s) cut by the kill");
        assertThat(cut).isLessThanOrEqualTo(1);
        assertThat(seen).isSubsetOf(sent);
        assertThat(lost).isZero();
        assertThat(twice).as("only the message in flight at the kill (concurrency 1) may be handled again").isLessThanOrEqualTo(1);
        assertThat(seen.stream().distinct().toList()).as("in order").isEqualTo(sent);
    }

    private static String tail(TandemHome home) throws IOException {
        List<String> lines = Files.readAllLines(home.root().resolve("server.out"));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private void kill() {
        List<ProcessHandle> children = server.descendants().toList();
        server.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        await().atMost(Duration.ofSeconds(30)).until(() -> !server.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive));
        server = null;
    }
}
