package io.tandem.server;

import static io.tandem.server.EndToEndTest.captureOut;
import static io.tandem.server.MessageQueueTriggerEndToEndTest.WAIT;
import static io.tandem.server.MessageQueueTriggerEndToEndTest.bodies;
import static io.tandem.server.MessageQueueTriggerEndToEndTest.publish;
import static io.tandem.server.MessageQueueTriggerEndToEndTest.recorder;
import static io.tandem.server.MessageQueueTriggerEndToEndTest.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nats.client.Connection;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NATS that is not there when the server starts, and NATS killed with SIGKILL while a trigger reads it: the server
 * serves HTTP all along, the trigger says it is disconnected and why, connects when NATS comes, and no message
 * published to JetStream is lost. Uses a nats-server of its own on a free port.
 */
class MessageQueueTriggerNatsOutageTest {
    @TempDir
    Path tmp;

    @Test
    void aTriggerWaitsForNatsReportingDisconnectedThenConnectsAndLosesNothingAcrossANatsCrash() throws Exception {
        try (NatsHelper.OwnServer broker = new NatsHelper.OwnServer(tmp); RunningServer tandem = new RunningServer(1, broker.url())) {
            Path calls = tmp.resolve("calls.log");
            // A short timeout makes a short ack wait (timeout + 10 s): a message NATS forgot was acknowledged comes back soon.
            assertThat(tandem.cli("fn", "create", "--name", "rec", "--env", "exec", "--code", recorder(tmp, calls).toString(),
                    "--timeout", "5s")).isZero();
            assertThat(tandem.cli("mqt", "create", "--name", "jobs", "--function", "rec", "--topic", "jobs.new")).isZero();

            await().atMost(WAIT).untilAsserted(() -> assertThat(status(tandem, "jobs").path("state").asText())
                    .startsWith("disconnected: ").contains(broker.url()));
            String table = captureOut(() -> assertThat(tandem.cli("mqt", "list")).isZero());
            assertThat(table).contains("jobs", "disconnected");
            assertThat(tandem.client.get("/v1/status").path("messageQueueTriggers").path("connection").asText()).startsWith("disconnected");
            HttpResponse<String> served = tandem.post("/function/rec", "over http");
            assertThat(served.statusCode()).as("the server serves without NATS").isEqualTo(200);
            assertThat(served.body()).isEqualTo("done:over http");
            await().atMost(WAIT).untilAsserted(() -> assertThat(tandem.client.get("/v1/events?limit=1000").findValuesAsText("type"))
                    .contains("nats-disconnected"));

            broker.start();
            await().atMost(WAIT).until(() -> status(tandem, "jobs").path("state").asText().equals("connected"));
            try (Connection nats = NatsHelper.connect(broker.url())) {
                List<String> first = IntStream.range(0, 10).mapToObj(i -> "first-" + i).toList();
                for (String b : first) publish(nats, "jobs.new", b);
                await().atMost(WAIT).until(() -> bodies(calls).size() >= 11);

                // NATS dies; the trigger says so; messages published once it is back are all handled.
                broker.kill();
                await().atMost(WAIT).until(() -> status(tandem, "jobs").path("state").asText().startsWith("disconnected: "));
                broker.start();
                await().atMost(WAIT).until(() -> status(tandem, "jobs").path("state").asText().equals("connected"));
                List<String> second = IntStream.range(0, 10).mapToObj(i -> "second-" + i).toList();
                for (String b : second) publish(nats, "jobs.new", b);
                await().atMost(WAIT).untilAsserted(() -> assertThat(bodies(calls)).containsAll(second));

                // At least once: a SIGKILLed NATS may forget the last acknowledgements it took, and deliver those messages again.
                List<String> seen = bodies(calls).stream().filter(b -> !b.equals("over http")).toList();
                List<String> all = Stream.concat(first.stream(), second.stream()).toList();
                System.out.println("NATS crash: " + all.size() + " messages, " + (all.size() - seen.stream().distinct().count()) + " lost, "
                        + (seen.size() - seen.stream().distinct().count()) + " handled twice");
                assertThat(seen).as("none lost").containsAll(all);
                assertThat(seen.stream().distinct().toList()).as("in order").isEqualTo(all);
            }
            assertThat(tandem.client.get("/v1/events?limit=1000").findValuesAsText("detail")).anyMatch(d -> d.startsWith("message queue triggers reconnected to NATS"));
        }
    }
}
