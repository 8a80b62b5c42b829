package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.client.TandemClient;
import io.tandem.home.TandemHome;
import io.tandem.model.CodeRef;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Schedule;
import io.tandem.model.TimeTrigger;
import io.tandem.model.TimeTriggerSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem server} killed with SIGKILL while a timer runs: started again at once, it does not send the firing it
 * had sent; kept down over a firing, it sends that firing once when it comes back (within the minute).
 */
class TimeTriggerCrashTest {
    private static final String CRON = "*/10 * * * * *";

    @TempDir
    Path tmp;
    @TempDir
    Path homeDir;
    Process server;

    @AfterEach
    void cleanUp() {
        if (server != null) kill();
    }

    @Test
    void aFiringIsNeitherDoubledNorLostWhenTheServerIsKilled() throws Exception {
        TandemHome home = new TandemHome(homeDir);
        int routerPort = ServerChild.freePort();
        int apiPort = ServerChild.freePort();
        server = ServerChild.start(home, routerPort, apiPort);
        TandemClient client = new TandemClient(URI.create("http://127.0.0.1:" + apiPort), home.readToken());
        Path calls = tmp.resolve("calls.log");
        CodeRef code = client.uploadPackage(TimeTriggerEndToEndTest.recorder(tmp, calls));
        client.put("/v1/functions/recorder", new Function(Metadata.named("recorder"),
                new FunctionSpec("exec", code, null, null, null, null, null, null, null, null, null)));
        client.put("/v1/triggers/time/tick", new TimeTrigger(Metadata.named("tick"), new TimeTriggerSpec("recorder", CRON, null, null, null)));
        await().atMost(Duration.ofSeconds(60)).until(() -> !TimeTriggerEndToEndTest.lines(calls).isEmpty());
        String first = firings(calls).getFirst();

        // Killed right after a firing was sent and back at once: the firing is still within the minute, and not sent again.
        kill();
        server = ServerChild.start(home, routerPort, apiPort);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> count(calls, first) == 1);

        // Killed and kept down while a firing falls due: when the server is back, it sends one firing due meanwhile (the
        // latest, if a slow start let several fall due).
        Instant missed = Schedule.parse("cron", CRON).next(Instant.now().plusSeconds(2), ZoneId.systemDefault()).orElseThrow();
        kill();
        Instant killed = Instant.now();
        await().atMost(Duration.ofSeconds(40)).until(() -> Instant.now().isAfter(missed.plusMillis(500)));
        server = ServerChild.start(home, routerPort, apiPort);
        Instant back = Instant.now();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(dueWhileDown(calls, killed, back))
                .as("firings sent: %s; server log: %s", firings(calls), tail(home)).hasSize(1));

        List<String> ids = firings(calls);
        assertThat(new HashSet<>(ids)).as("each firing sent once: " + ids).hasSameSizeAs(ids);
        assertThat(ids).contains(first);
    }

    /** The firings sent whose instant fell between the kill and the restart. */
    private static List<String> dueWhileDown(Path calls, Instant killed, Instant back) throws IOException {
        return firings(calls).stream().filter(id -> {
            Instant at = Instant.parse(id.substring(id.indexOf('@') + 1));
            return at.isAfter(killed) && !at.isAfter(back);
        }).toList();
    }

    private static String tail(TandemHome home) throws IOException {
        List<String> lines = Files.readAllLines(home.root().resolve("server.out"));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static List<String> firings(Path calls) throws IOException {
        return TimeTriggerEndToEndTest.lines(calls).stream().map(l -> l.split(" ")[0]).toList();
    }

    private static long count(Path calls, String id) throws IOException {
        return firings(calls).stream().filter(id::equals).count();
    }

    private void kill() {
        List<ProcessHandle> children = server.descendants().toList();
        server.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        await().atMost(Duration.ofSeconds(30)).until(() -> !server.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive));
    }
}
