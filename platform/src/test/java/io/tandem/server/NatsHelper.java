package io.tandem.server;

import static org.awaitility.Awaitility.await;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/** What message queue trigger tests need of NATS: a client, subscribers that collect, and a nats-server of their own. */
final class NatsHelper {
    static final String SHARED_URL = "nats://127.0.0.1:4222";

    private NatsHelper() {
    }

    /** A short random suffix, so topics and the streams made for them belong to one test. */
    static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    static Connection connect(String url) throws IOException, InterruptedException {
        return Nats.connect(new Options.Builder().server(url).maxReconnects(-1).reconnectWait(Duration.ofMillis(200)).build());
    }

    /** Collects every message published on {@code subject} from now on, in arrival order. */
    static List<Message> collect(Connection c, String subject) throws InterruptedException, java.util.concurrent.TimeoutException {
        List<Message> seen = Collections.synchronizedList(new ArrayList<>());
        Dispatcher d = c.createDispatcher(seen::add);
        d.subscribe(subject);
        c.flush(Duration.ofSeconds(5)); // the subscription is registered before anything is published
        return seen;
    }

    static String text(Message m) {
        return new String(m.getData(), StandardCharsets.UTF_8);
    }

    /** Deletes the streams whose name holds {@code suffix}: those made for one test's topics. */
    static void deleteStreams(Connection c, String suffix) {
        try {
            JetStreamManagement jsm = c.jetStreamManagement();
            for (String s : jsm.getStreamNames()) if (s.contains(suffix)) jsm.deleteStream(s);
        } catch (Exception e) {
            System.err.println("cannot delete the test's streams: " + e);
        }
    }

    /** A nats-server with JetStream of the test's own, on a free port with its own store, for tests that stop it. */
    static final class OwnServer implements AutoCloseable {
        final int port;
        final Path store;
        private Process process;

        OwnServer(Path dir) throws IOException {
            port = ServerChild.freePort();
            store = Files.createDirectories(dir.resolve("nats-store"));
        }

        String url() {
            return "nats://127.0.0.1:" + port;
        }

        OwnServer start() throws IOException {
            process = new ProcessBuilder(binary(), "-a", "127.0.0.1", "-p", Integer.toString(port), "-js", "-sd", store.toString())
                    .redirectErrorStream(true).redirectOutput(store.resolveSibling("nats-server.log").toFile()).start();
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
                try (Connection c = Nats.connect(new Options.Builder().server(url()).maxReconnects(0).build())) {
                    c.jetStreamManagement().getAccountStatistics();
                    return true;
                }
            });
            return this;
        }

        /** Debian's nats-server, or the one on the PATH. */
        private static String binary() {
            return Files.isExecutable(Path.of("/usr/sbin/nats-server")) ? "/usr/sbin/nats-server" : "nats-server";
        }

        /** SIGKILL, as a crash would. */
        void kill() throws InterruptedException {
            if (process == null) return;
            process.destroyForcibly();
            process.waitFor();
            process = null;
        }

        @Override
        public void close() throws InterruptedException {
            kill();
        }
    }
}
