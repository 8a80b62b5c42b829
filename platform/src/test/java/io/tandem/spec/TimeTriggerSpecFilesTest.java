package io.tandem.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.Resource;
import io.tandem.model.TimeTriggerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeTriggerSpecFilesTest {
    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path f = dir.resolve("timers.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void readsATimeTriggerWithItsDefaults() throws IOException {
        List<SpecDocument> docs = SpecFiles.load(write("""
                apiVersion: tandem/v1
                kind: TimeTrigger
                metadata:
                  name: tick
                spec:
                  function: hello
                  cron: "@every 1m"
                ---
                apiVersion: tandem/v1
                kind: TimeTrigger
                metadata:
                  name: report
                spec:
                  function: hello
                  cron: "0 30 9 * * MON-FRI"
                  path: /report?format=short
                  body: '{"kind": "daily"}'
                """));
        assertThat(docs).extracting(SpecDocument::kind).containsOnly(Resource.Kind.TIME_TRIGGER);
        assertThat(docs.get(0).spec()).isEqualTo(new TimeTriggerSpec("hello", "@every 1m", "GET", "/", null));
        assertThat(docs.get(1).spec()).isEqualTo(new TimeTriggerSpec("hello", "0 30 9 * * MON-FRI", "POST", "/report?format=short", "{\"kind\": \"daily\"}"));
    }

    @Test
    void aScheduleThatNeverFiresIsRefusedAtItsLine() throws IOException {
        Path f = write("""
                apiVersion: tandem/v1
                kind: TimeTrigger
                metadata:
                  name: never
                spec:
                  function: hello
                  cron: "0 0 30 2 *"
                """);
        assertThatThrownBy(() -> SpecFiles.load(f)).isInstanceOf(SpecException.class)
                .hasMessageContaining("timers.yaml:7").hasMessageContaining("spec.cron").hasMessageContaining("never fires");
    }

    @Test
    void anUnknownFieldIsRefusedWithTheKnownOnes() throws IOException {
        Path f = write("""
                apiVersion: tandem/v1
                kind: TimeTrigger
                metadata:
                  name: typo
                spec:
                  function: hello
                  schedule: "@hourly"
                """);
        assertThatThrownBy(() -> SpecFiles.load(f)).isInstanceOf(SpecException.class)
                .hasMessageContaining("spec.schedule").hasMessageContaining("cron");
    }
}
