package io.tandem.home;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The home holds the token, the store and every function's code: other users read none of it. */
class TandemHomeTest {
    @TempDir
    Path tmp;

    @Test
    void theHomeIsMadePrivateAndTheTokenReadableOnlyByItsOwner() throws Exception {
        Path root = tmp.resolve("home");
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        TandemHome home = new TandemHome(root);
        String token = home.ensureToken();
        assertThat(token).hasSize(64);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.tokenFile()))).isEqualTo("rw-------");
        assertThat(home.ensureToken()).isEqualTo(token);
    }

    @Test
    void aTokenOthersCanReadIsRefusedWithTheFix() throws Exception {
        TandemHome home = new TandemHome(tmp.resolve("home"));
        home.ensureToken();
        Files.setPosixFilePermissions(home.tokenFile(), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(home::ensureToken).isInstanceOf(TandemHome.UnsafeTokenException.class)
                .hasMessageContaining("chmod 600 " + home.tokenFile());
    }
}
