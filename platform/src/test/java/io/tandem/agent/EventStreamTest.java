package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventStreamTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static final class RecordingSink implements EventStream.Sink {
        final List<AgentEvent> got = new ArrayList<>();
        boolean ended;

        @Override
        public void send(AgentEvent event) {
            got.add(event);
        }

        @Override
        public void end() {
            ended = true;
        }
    }

    @Test
    void queuesExitsWhileNoReaderAndSendsThemAfterTheHello() {
        EventStream stream = new EventStream(T0);
        AgentEvent exit = AgentEvent.exited("n1", "i-1", 1, T0);
        stream.emit(exit);
        RecordingSink sink = new RecordingSink();
        AgentEvent hello = AgentEvent.heartbeat("n1", T0);

        stream.attach(sink, hello, T0);

        assertThat(sink.got).containsExactly(hello, exit);
    }

    @Test
    void aNewReaderEndsTheEarlierOne() {
        EventStream stream = new EventStream(T0);
        RecordingSink first = new RecordingSink();
        stream.attach(first, AgentEvent.heartbeat("n1", T0), T0);

        stream.attach(new RecordingSink(), AgentEvent.heartbeat("n1", T0), T0);

        assertThat(first.ended).isTrue();
        stream.detach(first, T0.plusSeconds(5));
        assertThat(stream.isOpen()).as("the old reader's close leaves the new one").isTrue();
    }

    @Test
    void countsHowLongNoReaderHasBeenThereFromItsLeaving() {
        EventStream stream = new EventStream(T0);
        RecordingSink sink = new RecordingSink();
        stream.attach(sink, AgentEvent.heartbeat("n1", T0), T0);
        stream.detach(sink, T0.plusSeconds(10));

        assertThat(stream.isOpen()).isFalse();
        assertThat(stream.closedFor(T0.plusSeconds(40))).isEqualTo(Duration.ofSeconds(30));
    }
}
