package io.tandem.mqt;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The JetStream streams that keep a trigger's messages. A subject some stream already stores is left to that stream
 * (the user's own, or one a trigger made before); otherwise Tandem makes {@code TANDEM_<subject>} ('.' as '_', '*' as
 * {@code STAR}, '>' as {@code ALL}) on that one subject: file storage, limits retention (messages stay when acknowledged,
 * so several triggers may read one topic), kept {@link #MAX_AGE}, duplicates by {@code Nats-Msg-Id} dropped within
 * {@link #DUPLICATE_WINDOW}.
 */
final class Streams {
    static final Duration MAX_AGE = Duration.ofDays(7);
    static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(2);

    private Streams() {
    }

    static String nameFor(String subject) {
        return "TANDEM_" + subject.replace(".", "_").replace("*", "STAR").replace(">", "ALL");
    }

    /** The name of a stream that stores {@code subject}: one that exists, or one made now. */
    static String ensure(JetStreamManagement jsm, String subject) throws IOException, JetStreamApiException {
        List<String> existing = jsm.getStreamNames(subject);
        if (!existing.isEmpty()) return existing.getFirst();
        String name = nameFor(subject);
        StreamConfiguration config = StreamConfiguration.builder().name(name).subjects(subject).storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits).maxAge(MAX_AGE).duplicateWindow(DUPLICATE_WINDOW)
                .description("made by Tandem for message queue triggers on " + subject).build();
        try {
            jsm.addStream(config);
        } catch (JetStreamApiException e) {
            // Another trigger (or server) may have made it meanwhile: that one will do.
            if (jsm.getStreamNames(subject).isEmpty()) throw e;
        }
        return name;
    }

    /** Whether some stream stores {@code subject}, so that a publish on it can be acknowledged by JetStream. */
    static boolean stored(JetStreamManagement jsm, String subject) throws IOException, JetStreamApiException {
        return !jsm.getStreamNames(subject).isEmpty();
    }
}
