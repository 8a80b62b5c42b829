package io.tandem.server;

import static io.tandem.server.EndToEndTest.captureErr;
import static io.tandem.server.EndToEndTest.captureOut;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.MessageInfo;
import io.tandem.chaos.Chaos;
import io.tandem.http.ApiException;
import io.tandem.model.Json;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.model.MessageQueueTriggerSpec;
import io.tandem.model.Metadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Message queue triggers on a real server and the real NATS server on 127.0.0.1:4222: an exec function records the
 * message id and body of each call in a file and answers {@code done:<body>}, or fails with 500 for the body
 * {@code poison}. Each test uses topics of its own and deletes the streams made for them.
 */
class MessageQueueTriggerEndToEndTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;
    static RunningServer tandem;
    static Connection nats;
    static String suffix;

    @BeforeAll
    static void start() throws Exception {
        tandem = new RunningServer(1);
        nats = NatsHelper.connect(NatsHelper.SHARED_URL);
        suffix = NatsHelper.unique();
    }

    @AfterAll
    static void stop() throws Exception {
        if (nats != null) {
            NatsHelper.deleteStreams(nats, suffix);
            nats.close();
        }
        if (tandem != null) tandem.close();
    }

    /**
     * An exec function that appends {@code <message id> <delivery> <body>} to {@code calls}, fails on the body
     * {@code poison}, and answers 1.1 MB (more than NATS carries) to the body {@code huge}.
     */
    static Path recorder(Path dir, Path calls) throws IOException {
        RunningServer.letFunctionsAppend(calls);
        Path script = dir.resolve("record-" + NatsHelper.unique() + ".sh");
        Files.writeString(script, "#!/bin/sh\nbody=$(cat)\necho \"$Http_X_Tandem_Message_Id $Http_X_Tandem_Delivery $body\" >> '" + calls + "'\n"
                + "if [ \"$body\" = poison ]; then echo 'cannot digest poison' >&2; exit 1; fi\n"
                + "if [ \"$body\" = huge ]; then head -c 1100000 /dev/zero | tr '\\0' x; exit 0; fi\n"
                + "printf 'done:%s' \"$body\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    /** The bodies the function saw, in order. */
    static List<String> bodies(Path calls) throws IOException {
        return lines(calls).stream().map(l -> l.split(" ", 3)[2]).toList();
    }

    static JsonNode status(RunningServer tandem, String trigger) {
        return tandem.client.get("/v1/triggers/messagequeue/" + trigger).path("status");
    }

    static void awaitConnected(RunningServer tandem, String trigger) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(status(tandem, trigger).path("state").asText())
                .as("status of %s; status file: %s", trigger, tandem.home.root().resolve("mqt/status.json")).isEqualTo("connected"));
    }

    static void publish(Connection nats, String subject, String body) throws Exception {
        nats.jetStream().publish(subject, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void messagesReachTheFunctionInOrderAndItsAnswersArriveOnTheResponseTopic() throws Exception {
        String topic = "orders-" + suffix + ".created";
        String resp = "orders-" + suffix + ".done";
        Path calls = tmp.resolve("ordered.log");
        assertThat(tandem.cli("fn", "create", "--name", "ordered", "--env", "exec", "--code", recorder(tmp, calls).toString())).isZero();
        String created = captureOut(() -> assertThat(tandem.cli("mqt", "create", "--name", "orders", "--function", "ordered",
                "--topic", topic, "--resp-topic", resp)).isZero());
        assertThat(created).contains("message queue trigger 'orders' created", topic, "ordered", resp);
        awaitConnected(tandem, "orders");

        List<Message> answers = NatsHelper.collect(nats, resp);
        List<String> sent = IntStream.range(0, 30).mapToObj(i -> "order-" + i).toList();
        for (String body : sent) publish(nats, topic, body);

        await().atMost(WAIT).untilAsserted(() -> assertThat(answers).as("answers; status %s; calls %s", status(tandem, "orders"),
                lines(calls)).hasSizeGreaterThanOrEqualTo(sent.size()));
        assertThat(answers.stream().map(NatsHelper::text).toList()).as("answers in order")
                .isEqualTo(sent.stream().map(b -> "done:" + b).toList());
        assertThat(bodies(calls)).as("calls in order, each once").isEqualTo(sent);
        assertThat(answers.getFirst().getHeaders().getFirst("X-Tandem-Message-Id")).matches("TANDEM_orders-" + suffix + "_created:\\d+");
        assertThat(lines(calls)).allSatisfy(l -> assertThat(l).matches("TANDEM_\\S+:\\d+ 1 order-\\d+"));

        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode s = status(tandem, "orders");
            assertThat(s.path("delivered").asLong()).isEqualTo(sent.size());
            assertThat(s.path("succeeded").asLong()).isEqualTo(sent.size());
            assertThat(s.path("retried").asLong()).isZero();
        });
        String table = captureOut(() -> assertThat(tandem.cli("mqt", "list")).isZero());
        assertThat(table).contains("NAME", "TOPIC", "STATE", "DEAD LETTERS", "orders", topic, "ordered", "connected", "30");
        String status = captureOut(() -> assertThat(tandem.cli("status")).isZero());
        assertThat(status).contains("MQ TRIGGER", "orders", "connected");

        // A change restarts the consumer with the new settings, at the position it had: nothing is handled twice.
        JetStreamManagement jsm = nats.jetStreamManagement();
        String stream = jsm.getStreamNames(topic).getFirst();
        assertThat(jsm.getConsumerInfo(stream, "tandem-orders").getConsumerConfiguration().getMaxAckPending()).isEqualTo(1);
        tandem.client.put("/v1/triggers/messagequeue/orders", new MessageQueueTrigger(Metadata.named("orders"),
                new MessageQueueTriggerSpec("ordered", "nats", topic, resp, null, null, null, null, 3, null, null)));
        await().atMost(WAIT).until(() -> jsm.getConsumerInfo(stream, "tandem-orders").getConsumerConfiguration().getMaxAckPending() == 3);
        publish(nats, topic, "after-update");
        await().atMost(WAIT).until(() -> answers.size() > sent.size());
        assertThat(bodies(calls)).as("the earlier messages not again").hasSize(sent.size() + 1).endsWith("after-update");

        // Deleting the trigger deletes its durable consumer; the stream and its messages stay.
        assertThat(tandem.cli("mqt", "delete", "--name", "orders")).isZero();
        await().atMost(WAIT).until(() -> !jsm.getConsumerNames(stream).contains("tandem-orders"));
        publish(nats, topic, "after-delete");
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> bodies(calls).size() == sent.size() + 1);
    }

    @Test
    void aPoisonMessageEndsOnTheErrorTopicWithTheReasonAndTheNextMessagesAreStillHandled() throws Exception {
        String topic = "pay-" + suffix + ".in";
        String resp = "pay-" + suffix + ".out";
        String errors = "pay-" + suffix + ".dead";
        Path calls = tmp.resolve("payer.log");
        assertThat(tandem.cli("fn", "create", "--name", "payer", "--env", "exec", "--code", recorder(tmp, calls).toString())).isZero();
        tandem.client.put("/v1/triggers/messagequeue/pay", new MessageQueueTrigger(Metadata.named("pay"),
                new MessageQueueTriggerSpec("payer", "nats", topic, resp, errors, 2, Duration.ofMillis(100), Duration.ofMillis(400), 1, null, null)));
        awaitConnected(tandem, "pay");
        List<Message> answers = NatsHelper.collect(nats, resp);

        for (String body : List.of("a", "poison", "b", "c")) publish(nats, topic, body);

        await().atMost(WAIT).until(() -> answers.size() >= 3);
        assertThat(answers.stream().map(NatsHelper::text).toList()).containsExactlyInAnyOrder("done:a", "done:b", "done:c");
        JetStreamManagement jsm = nats.jetStreamManagement();
        await().atMost(WAIT).until(() -> !jsm.getStreamNames(errors).isEmpty()
                && jsm.getStreamInfo(jsm.getStreamNames(errors).getFirst()).getStreamState().getMsgCount() == 1);
        MessageInfo dead = jsm.getLastMessage(jsm.getStreamNames(errors).getFirst(), errors);
        assertThat(new String(dead.getData(), StandardCharsets.UTF_8)).isEqualTo("poison");
        Map<String, String> h = Map.of("trigger", dead.getHeaders().getFirst("X-Tandem-Trigger"),
                "function", dead.getHeaders().getFirst("X-Tandem-Function"), "attempts", dead.getHeaders().getFirst("X-Tandem-Attempts"),
                "status", dead.getHeaders().getFirst("X-Tandem-Status"), "reason", dead.getHeaders().getFirst("X-Tandem-Reason"));
        System.out.println("dead letter headers: " + h);
        assertThat(h).containsEntry("trigger", "pay").containsEntry("function", "payer").containsEntry("attempts", "3").containsEntry("status", "500");
        assertThat(h.get("reason")).contains("500");
        assertThat(bodies(calls).stream().filter("poison"::equals).count()).as("poison tried 1 + maxRetries times").isEqualTo(3);

        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode s = status(tandem, "pay");
            assertThat(s.path("succeeded").asLong()).isEqualTo(3);
            assertThat(s.path("retried").asLong()).isEqualTo(2);
            assertThat(s.path("deadLettered").asLong()).isEqualTo(1);
            assertThat(s.path("lastError").asText()).contains("500");
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(tandem.client.get("/v1/events?function=payer").findValuesAsText("type"))
                .contains("mqt-dead-lettered"));
        // A message published after the poison one is handled too.
        publish(nats, topic, "d");
        await().atMost(WAIT).until(() -> answers.size() >= 4);
    }

    @Test
    void anAnswerTooLargeToPublishIsGivenUpAfterItsRetriesAndTheNextMessagesAreStillHandled() throws Exception {
        String topic = "big-" + suffix + ".in";
        String resp = "big-" + suffix + ".out";
        String errors = "big-" + suffix + ".dead";
        Path calls = tmp.resolve("big.log");
        assertThat(tandem.cli("fn", "create", "--name", "big", "--env", "exec", "--code", recorder(tmp, calls).toString())).isZero();
        assertThat(tandem.cli("mqt", "create", "--name", "big", "--function", "big", "--topic", topic, "--resp-topic", resp,
                "--error-topic", errors, "--max-retries", "1", "--retry-delay", "100ms")).isZero();
        awaitConnected(tandem, "big");
        List<Message> answers = NatsHelper.collect(nats, resp);

        for (String body : List.of("huge", "small")) publish(nats, topic, body);

        await().atMost(WAIT).until(() -> answers.size() == 1);
        assertThat(NatsHelper.text(answers.getFirst())).isEqualTo("done:small");
        JetStreamManagement jsm = nats.jetStreamManagement();
        await().atMost(WAIT).until(() -> !jsm.getStreamNames(errors).isEmpty()
                && jsm.getStreamInfo(jsm.getStreamNames(errors).getFirst()).getStreamState().getMsgCount() == 1);
        MessageInfo dead = jsm.getLastMessage(jsm.getStreamNames(errors).getFirst(), errors);
        assertThat(new String(dead.getData(), StandardCharsets.UTF_8)).isEqualTo("huge");
        assertThat(dead.getHeaders().getFirst("X-Tandem-Status")).isEqualTo("200");
        assertThat(dead.getHeaders().getFirst("X-Tandem-Attempts")).isEqualTo("2");
        assertThat(dead.getHeaders().getFirst("X-Tandem-Reason")).contains("cannot publish the answer on " + resp);
    }

    @Test
    void messagesKeepFlowingWhileTheControllerIsKilledAndRestarted() throws Exception {
        String topic = "ctl-" + suffix + ".in";
        Path calls = tmp.resolve("ctl.log");
        assertThat(tandem.cli("fn", "create", "--name", "ctl", "--env", "exec", "--code", recorder(tmp, calls).toString())).isZero();
        assertThat(tandem.cli("mqt", "create", "--name", "ctl", "--function", "ctl", "--topic", topic)).isZero();
        awaitConnected(tandem, "ctl");
        long before = tandem.client.get("/v1/status").path("controller").path("pid").asLong();

        Chaos.local(tandem.client).killController();
        List<String> sent = IntStream.range(0, 20).mapToObj(i -> "c-" + i).toList();
        for (String body : sent) publish(nats, topic, body);

        // The trigger runs in the server process, not the controller's: nothing waits for the controller.
        await().atMost(WAIT).untilAsserted(() -> assertThat(bodies(calls)).isEqualTo(sent));
        await().atMost(WAIT).ignoreExceptions().until(() -> tandem.client.get("/v1/status").path("controller").path("pid").asLong() != before);
        await().atMost(WAIT).untilAsserted(() -> assertThat(status(tandem, "ctl").path("succeeded").asLong()).isEqualTo(sent.size()));
        assertThat(bodies(calls)).as("the controller's return restarts nothing").isEqualTo(sent);
    }

    @Test
    void badTriggersAreRefusedWithTheReasonAndChangeNothing() throws Exception {
        assertThat(tandem.cli("fn", "create", "--name", "target", "--env", "exec", "--code", recorder(tmp, tmp.resolve("t.log")).toString())).isZero();
        String topic = "bad-" + suffix + ".in";
        Map<String, MessageQueueTriggerSpec> bad = Map.of(
                "spec.messageQueueType", new MessageQueueTriggerSpec("target", "kafka", topic, null, null, null, null, null, null, null, null),
                "spec.topic", MessageQueueTriggerSpec.of("target", "orders..created", null, null),
                "spec.respTopic", MessageQueueTriggerSpec.of("target", "bad-" + suffix + ".>", "bad-" + suffix + ".out", null),
                "spec.errorTopic", MessageQueueTriggerSpec.of("target", topic, null, "dead.*"),
                "spec.concurrency", new MessageQueueTriggerSpec("target", null, topic, null, null, null, null, null, 0, null, null),
                "spec.maxRetries", new MessageQueueTriggerSpec("target", null, topic, null, null, -1, null, null, null, null, null),
                "spec.retryDelay", new MessageQueueTriggerSpec("target", null, topic, null, null, null, Duration.ZERO, null, null, null, null));
        for (var e : bad.entrySet()) {
            try {
                tandem.client.put("/v1/triggers/messagequeue/bad", new MessageQueueTrigger(Metadata.named("bad"), e.getValue()));
                throw new AssertionError(e.getKey() + " was accepted");
            } catch (ApiException refused) {
                assertThat(refused.status()).as(e.getKey()).isEqualTo(400);
                assertThat(refused.getMessage()).as(e.getKey()).contains(e.getKey());
            }
        }
        try {
            tandem.client.put("/v1/triggers/messagequeue/orphan", new MessageQueueTrigger(Metadata.named("orphan"),
                    MessageQueueTriggerSpec.of("nope", topic, null, null)));
            throw new AssertionError("a trigger of a missing function was accepted");
        } catch (ApiException refused) {
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.getMessage()).contains("function 'nope'", "does not exist");
        }
        String kafka = captureErr(() -> assertThat(tandem.cli("mqt", "create", "--name", "k", "--function", "target", "--mqtype", "kafka",
                "--topic", topic)).isNotZero());
        assertThat(kafka.strip()).startsWith("error:").contains("only nats").doesNotContain("\n");
        String subject = captureErr(() -> assertThat(tandem.cli("mqt", "create", "--name", "s", "--function", "target",
                "--topic", "has space")).isNotZero());
        assertThat(subject).contains("spec.topic", "'has space'", "letters, digits");
        String missing = captureErr(() -> assertThat(tandem.cli("mqt", "create", "--name", "m", "--function", "nope", "--topic", topic)).isNotZero());
        assertThat(missing).contains("function 'nope'", "does not exist");

        JsonNode raw = Json.MAPPER.readTree(captureOut(() -> assertThat(tandem.cli("mqt", "list", "-o", "json")).isZero()));
        for (JsonNode t : raw) assertThat(t.path("metadata").path("name").asText()).isNotIn("bad", "orphan", "k", "s", "m");
    }
}
