package io.tandem.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.HttpTriggerSpec;
import io.tandem.model.Resource;
import io.tandem.model.Runtime;
import io.tandem.model.Strategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecFilesTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void readsEveryKindWithDefaultsAndResolvesCodeRelativeToTheFile() throws IOException {
        Files.writeString(dir.resolve("fib.jar"), "jar");
        write("all.yaml", """
                apiVersion: tandem/v1
                kind: Environment
                metadata:
                  name: python
                spec:
                  runtime: http
                  command: python3 {code}
                ---
                apiVersion: tandem/v1
                kind: Function
                metadata:
                  name: fibonacci
                spec:
                  environment: java
                  code: fib.jar
                  entrypoint: example.Fibonacci
                  executor: newdeploy
                  timeout: 500ms
                  faultTolerance:
                    strategy: active-standby
                ---
                apiVersion: tandem/v1
                kind: HttpTrigger
                metadata:
                  name: fib
                spec:
                  function: fibonacci
                  method: get
                  path: /fib/{n}
                """);

        List<SpecDocument> docs = SpecFiles.load(dir);

        assertThat(docs).extracting(SpecDocument::kind).containsExactly(Resource.Kind.ENVIRONMENT, Resource.Kind.FUNCTION, Resource.Kind.HTTP_TRIGGER);
        EnvironmentSpec env = (EnvironmentSpec) docs.get(0).spec();
        assertThat(env.runtime()).isEqualTo(Runtime.HTTP);
        assertThat(env.poolSize()).isEqualTo(EnvironmentSpec.DEFAULT_POOL_SIZE);
        FunctionFileSpec fn = ((SpecDocument.CodePath) docs.get(1).spec()).spec();
        assertThat(fn.code()).isEqualTo(dir.resolve("fib.jar").toString());
        assertThat(fn.function().executor()).isEqualTo(ExecutorType.NEWDEPLOY);
        assertThat(fn.function().timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(fn.function().faultTolerance().strategy()).isEqualTo(Strategy.ACTIVE_STANDBY);
        assertThat(fn.function().faultTolerance().maxRetries()).isEqualTo(10);
        assertThat(docs.get(1).line()).isEqualTo(9);
        assertThat(((HttpTriggerSpec) docs.get(2).spec()).method()).isEqualTo("GET");
    }

    @Test
    void typoInANestedFieldNamesFileLineAndField() throws IOException {
        Files.writeString(dir.resolve("f.jar"), "jar");
        Path f = write("fn.yaml", """
                apiVersion: tandem/v1
                kind: Environment
                metadata:
                  name: e
                spec:
                  runtime: java
                ---
                apiVersion: tandem/v1
                kind: Function
                metadata:
                  name: hello
                spec:
                  environment: java
                  code: f.jar
                  faultTolerance:
                    stratgy: retry
                """);

        assertThatThrownBy(() -> SpecFiles.load(f))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("fn.yaml:16: spec.faultTolerance.stratgy: unknown field")
                .hasMessageContaining("strategy");
    }

    @Test
    void badValueNamesItsLine() throws IOException {
        Files.writeString(dir.resolve("f.jar"), "jar");
        Path f = write("fn.yaml", """
                apiVersion: tandem/v1
                kind: Function
                metadata:
                  name: hello
                spec:
                  environment: java
                  code: f.jar
                  timeout: soon
                """);

        assertThatThrownBy(() -> SpecFiles.load(f))
                .hasMessageContaining("fn.yaml:8: spec.timeout")
                .hasMessageContaining("invalid duration 'soon'");
    }

    @Test
    void ruleBrokenAfterParsingNamesItsLine() throws IOException {
        Files.writeString(dir.resolve("f.jar"), "jar");
        Path f = write("fn.yaml", """
                apiVersion: tandem/v1
                kind: Function
                metadata:
                  name: hello
                spec:
                  environment: java
                  code: f.jar
                  minScale: 3
                  maxScale: 2
                """);

        assertThatThrownBy(() -> SpecFiles.load(f)).hasMessageContaining("fn.yaml:9: spec.maxScale: must be at least 1 and at least minScale");
    }

    @Test
    void refusesMissingCodeFileUnknownKindBadNameAndDuplicates() throws IOException {
        Path missing = write("a.yaml", "apiVersion: tandem/v1\nkind: Function\nmetadata:\n  name: x\nspec:\n  environment: java\n  code: nope.jar\n");
        assertThatThrownBy(() -> SpecFiles.load(missing)).hasMessageContaining("a.yaml:7: spec.code: no such file");

        Path kind = write("b.yaml", "apiVersion: tandem/v1\nkind: Funtion\nmetadata:\n  name: x\nspec: {}\n");
        assertThatThrownBy(() -> SpecFiles.load(kind)).hasMessageContaining("b.yaml:2: kind: unknown kind 'Funtion'");

        Path name = write("c.yaml", "apiVersion: tandem/v1\nkind: Environment\nmetadata:\n  name: Bad_Name\nspec:\n  runtime: java\n");
        assertThatThrownBy(() -> SpecFiles.load(name)).hasMessageContaining("c.yaml:4: metadata.name: invalid name 'Bad_Name'");

        Path twice = write("d.yaml", "apiVersion: tandem/v1\nkind: Environment\nmetadata:\n  name: e\nspec:\n  runtime: java\n---\n"
                + "apiVersion: tandem/v1\nkind: Environment\nmetadata:\n  name: e\nspec:\n  runtime: exec\n");
        assertThatThrownBy(() -> SpecFiles.load(twice)).hasMessageContaining("declared twice");
    }
}
