package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tandem's Lambda clients on a node's disk: written once per version, readable by every instance's user. */
class LambdaClientsTest {
    @TempDir
    Path dir;

    @Test
    void writesEveryClientReadableByAllAndFindsThemAgainWithoutRewriting() throws Exception {
        Path installed = LambdaClients.install(dir);

        for (String file : LambdaClients.FILES) {
            Path client = installed.resolve(file);
            assertThat(Files.readString(client)).isNotBlank();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(client))).isEqualTo("r--r--r--");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(client.getParent()))).isEqualTo("rwxr-xr-x");
        }
        assertThat(Files.readString(installed.resolve("python/bootstrap.py"))).contains("AWS_LAMBDA_RUNTIME_API");
        long modified = Files.getLastModifiedTime(installed.resolve("node/bootstrap.mjs")).toMillis();

        assertThat(LambdaClients.install(dir)).isEqualTo(installed);
        assertThat(Files.getLastModifiedTime(installed.resolve("node/bootstrap.mjs")).toMillis()).isEqualTo(modified);
        try (var entries = Files.list(dir)) {
            assertThat(entries.toList()).containsExactly(installed); // no staging directory left behind
        }
    }
}
