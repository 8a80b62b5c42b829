package io.tandem.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.MessageQueueTriggerSpec;
import io.tandem.model.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessageQueueTriggerSpecFilesTest {
    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path f = dir.resolve("queues.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void readsAMessageQueueTriggerWithItsDefaults() throws IOException {
        List<SpecDocument> docs = SpecFiles.load(write("""
                apiVersion: tandem/v1
                kind: MessageQueueTrigger
                metadata:
                  name: orders
                spec:
                  function: ship
                  topic: orders.created
                ---
                apiVersion: tandem/v1
                kind: MessageQueueTrigger
                metadata:
                  name: payments
                spec:
                  function: pay
                  messageQueueType: nats
                  topic: payments.*
                  respTopic: paid.ok
                  errorTopic: paid.failed
                  maxRetries: 5
                  retryDelay: 200ms
                  maxRetryDelay: 10s
                  concurrency: 4
                  method: put
                  path: /pay?source=queue
                """));
        assertThat(docs).extracting(SpecDocument::kind).containsOnly(Resource.Kind.MESSAGE_QUEUE_TRIGGER);
        assertThat(docs.get(0).spec()).isEqualTo(new MessageQueueTriggerSpec("ship", "nats", "orders.created", null, null, 3,
                Duration.ofSeconds(1), Duration.ofMinutes(1), 1, "POST", "/"));
        assertThat(docs.get(1).spec()).isEqualTo(new MessageQueueTriggerSpec("pay", "nats", "payments.*", "paid.ok", "paid.failed", 5,
                Duration.ofMillis(200), Duration.ofSeconds(10), 4, "PUT", "/pay?source=queue"));
    }

    @Test
    void anUnknownQueueTypeIsRefusedAtItsLine() throws IOException {
        Path f = write("""
                apiVersion: tandem/v1
                kind: MessageQueueTrigger
                metadata:
                  name: k
                spec:
                  function: ship
                  messageQueueType: kafka
                  topic: orders.created
                """);
        assertThatThrownBy(() -> SpecFiles.load(f)).isInstanceOf(SpecException.class)
                .hasMessageContaining("queues.yaml:7: spec.messageQueueType: unsupported 'kafka': only nats");
    }

    @Test
    void aBadSubjectIsRefusedWithTheRule() throws IOException {
        Path f = write("""
                apiVersion: tandem/v1
                kind: MessageQueueTrigger
                metadata:
                  name: s
                spec:
                  function: ship
                  topic: orders.>.created
                """);
        assertThatThrownBy(() -> SpecFiles.load(f)).isInstanceOf(SpecException.class)
                .hasMessageContaining("queues.yaml:7: spec.topic: 'orders.>.created' has the invalid token '>'")
                .hasMessageContaining("letters, digits");
    }

    @Test
    void theExampleSpecsLoad() {
        Path examples = Path.of("").toAbsolutePath().getParent().resolve("examples/specs/hello-queue.yaml");
        List<SpecDocument> docs = SpecFiles.load(examples);
        assertThat(((MessageQueueTriggerSpec) docs.getFirst().spec()).topic()).isEqualTo("hello.requests");
    }
}
