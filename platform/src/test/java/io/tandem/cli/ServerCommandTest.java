package io.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServerCommandTest {
    @Test
    void readsPackageQuotasInBytesOrWithASuffix() {
        assertThat(ServerCommand.size("--package-quota", "2GB", 1 << 20)).isEqualTo(2L << 30);
        assertThat(ServerCommand.size("--package-quota", "500mb", 1 << 20)).isEqualTo(500L << 20);
        assertThat(ServerCommand.size("--package-quota", "1048576", 1 << 20)).isEqualTo(1L << 20);
    }

    @Test
    void refusesQuotasThatAreNotSizesOrTooSmall() {
        for (String bad : new String[] {"abc", "1KB", "-5GB", "2TB", "99999999999GB"}) {
            assertThatThrownBy(() -> ServerCommand.size("--package-quota", bad, 1 << 20))
                    .isInstanceOfSatisfying(CommandFailedException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE);
                        assertThat(e.getMessage()).contains("--package-quota '" + bad + "'", "at least 1MB", "4GB");
                    });
        }
    }
}
