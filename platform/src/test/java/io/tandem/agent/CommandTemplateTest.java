package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** An environment's command as an instance runs it: split as a shell would, its placeholders replaced. */
class CommandTemplateTest {
    private static final CommandTemplate.Values VALUES = new CommandTemplate.Values("/code/unpacked", "/code/my app.jar", "/jdk/bin/java",
            () -> "/shared/lambda-clients/v1");

    @Test
    void jarAndItsAliasArtifactAreTheUploadedFileAndStayOneWord() {
        assertThat(CommandTemplate.expand("{java} -jar {jar} --root {code}", VALUES))
                .containsExactly("/jdk/bin/java", "-jar", "/code/my app.jar", "--root", "/code/unpacked");
        assertThat(CommandTemplate.expand("unzip -l {artifact}", VALUES)).containsExactly("unzip", "-l", "/code/my app.jar");
    }

    @Test
    void clientsIsTandemsLambdaClientsDirectoryAndHandlerIsLeftToTheRuntime() {
        assertThat(CommandTemplate.expand("python3 {clients}/python/bootstrap.py {handler}", VALUES))
                .containsExactly("python3", "/shared/lambda-clients/v1/python/bootstrap.py", "{handler}");
    }

    @Test
    void theClientsAreNotWrittenForACommandThatDoesNotNameThem() {
        var values = new CommandTemplate.Values("/code", null, "java", () -> {
            throw new AssertionError("asked for the clients");
        });
        assertThat(CommandTemplate.expand("run.sh {code}", values)).isEqualTo(List.of("run.sh", "/code"));
    }

    @Test
    void jarWithoutAnUploadedFileIsRefusedWithTheReason() {
        var noCode = new CommandTemplate.Values(null, null, "java", () -> "/clients");
        assertThatThrownBy(() -> CommandTemplate.expand("{java} -jar {jar}", noCode))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("{jar}").hasMessageContaining("has no code");
    }
}
