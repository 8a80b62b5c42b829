package io.tandem.server;

import static io.tandem.server.MessageQueueTriggerEndToEndTest.bodies;
import static io.tandem.server.MessageQueueTriggerEndToEndTest.publish;
import static io.tandem.server.MessageQueueTriggerEndToEndTest.recorder;
import static io.tandem.server.MessageQueueTriggerEndToEndTest.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nats.client.Connection;
import io.tandem.chaos.Chaos;
import io.tandem.chaos.ClusterStatus;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node running a function's active instance is SIGKILLed while a message queue trigger feeds the function:
 * active-standby fails over, and every message is handled; the test counts messages lost (none may be) and handled
 * twice (a message in flight on the dead node may be, as the trigger delivers at least once).
 */
class MessageQueueTriggerFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    @Test
    void killingTheActivesNodeMidStreamLosesNoMessage() throws Exception {
        String suffix = NatsHelper.unique();
        String topic = "failover-" + suffix + ".in";
        try (RunningServer tandem = new RunningServer(2); Connection nats = NatsHelper.connect(NatsHelper.SHARED_URL)) {
            try {
                // No warm pools: the two nodes run the pair and little else on this machine's two cores.
                tandem.client.put("/v1/environments/java", new Environment(Metadata.named("java"), new EnvironmentSpec(Runtime.JAVA, null, 0, null)));
                tandem.client.put("/v1/environments/exec", new Environment(Metadata.named("exec"), new EnvironmentSpec(Runtime.EXEC, null, 0, null)));
                Path calls = tmp.resolve("calls.log");
                assertThat(tandem.cli("fn", "create", "--name", "rec", "--env", "exec", "--code", recorder(tmp, calls).toString(),
                        "--executor", "newdeploy", "--strategy", "active-standby", "--timeout", "5s")).isZero();
                Chaos chaos = Chaos.local(tandem.client);
                awaitPairOnTwoNodes(chaos);
                assertThat(tandem.cli("mqt", "create", "--name", "feed", "--function", "rec", "--topic", topic)).isZero();
                await().atMost(WAIT).until(() -> status(tandem, "feed").path("state").asText().equals("connected"));

                List<String> sent = IntStream.range(0, 150).mapToObj(i -> "m-" + i).toList();
                for (String b : sent) publish(nats, topic, b);
                await().atMost(WAIT).until(() -> bodies(calls).size() >= 30);
                ClusterStatus.Instance active = awaitPairOnTwoNodes(chaos); // the active now: a slow probe may have moved it
                chaos.killNode(active.node());
                int atKill = bodies(calls).size();

                await().atMost(WAIT).untilAsserted(() -> assertThat(bodies(calls)).containsAll(sent));
                // A function process started as its node was killed may run on, reading an empty body from its dead
                // watchdog: a call cut by the crash, counted apart (its request is re-sent or its message delivered again).
                List<String> all = bodies(calls);
                long cut = all.stream().filter(String::isEmpty).count();
                List<String> seen = all.stream().filter(b -> !b.isEmpty()).toList();
                long lost = sent.stream().filter(b -> !seen.contains(b)).count();
                long twice = seen.size() - seen.stream().distinct().count();
                assertThat(seen).as("only the messages sent").isSubsetOf(sent);
                System.out.println("node " + active.node() + " of active " + active.id() + " killed after " + atKill + " of " + sent.size() + " messages: " + lost + " lost, " + twice
                        + " handled twice, " + cut + " call(s) cut by the kill; trigger status " + status(tandem, "feed"));
                assertThat(cut).isLessThanOrEqualTo(1);
                assertThat(lost).isZero();
                assertThat(seen.stream().distinct().toList()).as("in order").isEqualTo(sent);
                assertThat(status(tandem, "feed").path("deadLettered").asLong()).isZero();
            } finally {
                NatsHelper.deleteStreams(nats, suffix);
            }
        }
    }

    private static ClusterStatus.Instance awaitPairOnTwoNodes(Chaos chaos) {
        await().atMost(WAIT).until(() -> {
            List<ClusterStatus.Instance> a = ready(chaos, "active");
            List<ClusterStatus.Instance> s = ready(chaos, "standby");
            return a.size() == 1 && s.size() == 1 && !s.getFirst().node().equals(a.getFirst().node());
        });
        return ready(chaos, "active").getFirst();
    }

    private static List<ClusterStatus.Instance> ready(Chaos chaos, String role) {
        return chaos.status().instancesOf("rec").stream().filter(i -> i.role().equals(role) && i.state().equals("ready")).toList();
    }
}
