package io.tandem.server;

import static io.tandem.server.EndToEndTest.captureErr;
import static io.tandem.server.EndToEndTest.captureOut;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.http.ApiException;
import io.tandem.model.Json;
import io.tandem.model.Metadata;
import io.tandem.model.TimeTrigger;
import io.tandem.model.TimeTriggerSpec;
import io.tandem.timer.FiringJournal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time triggers on a real server: an exec function appends the firing id each call carries to a file, so the test
 * sees every call the router made and could see a doubled one.
 */
class TimeTriggerEndToEndTest {
    @TempDir
    Path tmp;
    RunningServer tandem;

    @AfterEach
    void stop() throws IOException {
        if (tandem != null) tandem.close();
    }

    /** An exec function that appends {@code $Http_X_Tandem_Firing} and the body to {@code calls}. */
    static Path recorder(Path tmp, Path calls) throws IOException {
        RunningServer.letFunctionsAppend(calls);
        Path script = tmp.resolve("record.sh");
        Files.writeString(script, "#!/bin/sh\nbody=$(cat)\necho \"$Http_X_Tandem_Firing $Http_Method $Http_Path $body\" >> '" + calls + "'\necho recorded\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Test
    void aTimerCallsItsFunctionThroughTheRouterUntilDeleted() throws Exception {
        tandem = new RunningServer(1);
        Path calls = tmp.resolve("calls.log");
        assertThat(tandem.cli("fn", "create", "--name", "recorder", "--env", "exec", "--code", recorder(tmp, calls).toString())).isZero();

        String created = captureOut(() -> assertThat(tandem.cli("timer", "create", "--name", "tick", "--function", "recorder",
                "--cron", "@every 1s", "--path", "/tick", "--body", "from-timer")).isZero());
        assertThat(created).contains("timer 'tick' created", "POST /tick", "next firing");

        await().atMost(Duration.ofSeconds(60)).until(() -> lines(calls).size() >= 3);
        List<String> seen = lines(calls);
        assertThat(seen).allSatisfy(l -> assertThat(l).matches("tick@\\S+Z POST /tick from-timer"));
        assertThat(new HashSet<>(seen)).as("no firing twice").hasSameSizeAs(seen);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode t = tandem.client.get("/v1/triggers/time/tick");
            assertThat(t.path("status").path("lastFiring").path("outcome").asText()).isEqualTo("succeeded");
            assertThat(t.path("status").path("fired").asLong()).isGreaterThanOrEqualTo(3);
        });
        String table = captureOut(() -> assertThat(tandem.cli("timer", "list")).isZero());
        assertThat(table).contains("NAME", "LAST FIRING", "NEXT FIRING", "tick", "@every 1s", "recorder", "succeeded 200");
        JsonNode listed = Json.MAPPER.readTree(captureOut(() -> assertThat(tandem.cli("timer", "list", "-o", "json")).isZero()));
        assertThat(listed.get(0).path("spec").path("cron").asText()).isEqualTo("@every 1s");
        assertThat(listed.get(0).path("status").path("next")).hasSize(1);

        String next = captureOut(() -> assertThat(tandem.cli("timer", "next", "--name", "tick", "--count", "3")).isZero());
        List<Instant> firings = next.lines().map(l -> java.time.OffsetDateTime.parse(l).toInstant()).toList();
        assertThat(firings).hasSize(3).isSorted();
        assertThat(Duration.between(firings.get(0), firings.get(2))).isEqualTo(Duration.ofSeconds(2));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode events = tandem.client.get("/v1/events?function=recorder");
            assertThat(events.findValuesAsText("type")).contains("timer-fired");
        });

        assertThat(tandem.cli("timer", "delete", "--name", "tick")).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> !FiringJournal.read(FiringJournal.fileIn(tandem.home)).containsKey("tick"));
        int after = lines(calls).size();
        // A firing sent just before the delete may still land; nothing after it.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> lines(calls).size() <= after + 1);
    }

    @Test
    void badTimersAreRefusedWithTheReasonAndChangeNothing() throws Exception {
        tandem = new RunningServer(1);
        assertThat(tandem.cli("fn", "create", "--name", "recorder", "--env", "exec", "--code", recorder(tmp, tmp.resolve("c.log")).toString())).isZero();

        String neverFires = captureErr(() -> assertThat(tandem.cli("timer", "create", "--name", "feb", "--function", "recorder", "--cron", "0 0 30 2 *")).isNotZero());
        assertThat(neverFires.strip()).startsWith("error:").contains("never fires").doesNotContain("\n");
        String missing = captureErr(() -> assertThat(tandem.cli("timer", "create", "--name", "orphan", "--function", "nope", "--cron", "@hourly")).isNotZero());
        assertThat(missing).contains("function 'nope'", "does not exist");

        // The API refuses them too, with {"error", "detail"}, for clients that skip the CLI's own checks.
        for (String cron : List.of("0 0 30 2 *", "61 * * * *", "@every 0s", "* * *")) {
            try {
                tandem.client.put("/v1/triggers/time/bad", new TimeTrigger(Metadata.named("bad"), new TimeTriggerSpec("recorder", cron, null, null, null)));
                throw new AssertionError(cron + " was accepted");
            } catch (ApiException e) {
                assertThat(e.status()).as(cron).isEqualTo(400);
                assertThat(e.getMessage()).as(cron).contains("spec.cron");
            }
        }
        try {
            tandem.client.put("/v1/triggers/time/orphan", new TimeTrigger(Metadata.named("orphan"), new TimeTriggerSpec("nope", "@hourly", null, null, null)));
            throw new AssertionError("a timer of a missing function was accepted");
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(422);
        }
        assertThat(tandem.client.list(io.tandem.model.Resource.Kind.TIME_TRIGGER)).isEmpty();
    }
}
