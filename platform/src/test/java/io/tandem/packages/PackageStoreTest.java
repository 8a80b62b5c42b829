package io.tandem.packages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.CodeRef;
import io.tandem.model.CodeRef.PackageKind;
import io.tandem.packages.RejectedPackageException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageStoreTest {
    @TempDir
    Path tmp;

    private PackageStore store(long max) {
        return new PackageStore(tmp.resolve("packages"), max, Archives.Limits.defaults());
    }

    @Test
    void storesContentUnderItsSha256AndDeduplicates() throws Exception {
        PackageStore store = store(PackageStore.DEFAULT_MAX_BYTES);
        byte[] script = "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8);

        PackageStore.Stored first = store.put(new ByteArrayInputStream(script), "dir/hello.sh");
        PackageStore.Stored second = store.put(new ByteArrayInputStream(script), "hello.sh");

        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(script));
        assertThat(first.ref()).isEqualTo(new CodeRef(sha, "hello.sh", script.length, PackageKind.FILE));
        assertThat(first.created()).isTrue();
        assertThat(second.created()).isFalse();
        assertThat(store.list()).containsExactly(sha);
        assertThat(store.open(sha).readAllBytes()).isEqualTo(script);
        assertThat(store.describe(sha)).contains(first.ref());
        try (var left = Files.list(tmp.resolve("packages/tmp"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void detectsJarsAndZips() throws IOException {
        PackageStore store = store(PackageStore.DEFAULT_MAX_BYTES);
        byte[] plain = Zips.of().file("index.js", "x").bytes();
        byte[] withManifest = Zips.of().file("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n").file("A.class", "x").bytes();

        assertThat(store.put(new ByteArrayInputStream(plain), "code.zip").ref().kind()).isEqualTo(PackageKind.ZIP);
        assertThat(store.put(new ByteArrayInputStream(plain), "code.jar").ref().kind()).isEqualTo(PackageKind.JAR);
        assertThat(store.put(new ByteArrayInputStream(withManifest), "code.zip").ref().kind()).isEqualTo(PackageKind.JAR);
    }

    @Test
    void refusesPackagesOverTheSizeLimitAndKeepsNothing() throws IOException {
        PackageStore store = store(1000);
        assertThatThrownBy(() -> store.put(new ByteArrayInputStream(new byte[1001]), "big.bin"))
                .isInstanceOfSatisfying(RejectedPackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
                    assertThat(e.getMessage()).contains("1000 bytes");
                });
        assertThat(store.list()).isEmpty();
        try (var left = Files.list(tmp.resolve("packages/tmp"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void validatesArchivesBeforeAcceptingThem() throws IOException {
        PackageStore store = store(PackageStore.DEFAULT_MAX_BYTES);
        byte[] evil = Zips.of().file("../evil", "x").bytes();
        assertThatThrownBy(() -> store.put(new ByteArrayInputStream(evil), "evil.zip"))
                .isInstanceOf(RejectedPackageException.class).hasMessageContaining("'../evil'");
        assertThat(store.list()).isEmpty();
    }

    @Test
    void refusesEmptyPackages() {
        PackageStore store = store(PackageStore.DEFAULT_MAX_BYTES);
        assertThatThrownBy(() -> store.put(new ByteArrayInputStream(new byte[0]), "x"))
                .isInstanceOf(RejectedPackageException.class).hasMessageContaining("empty");
    }

    @Test
    void removesUploadsCutShortByACrashWhenItOpens() throws IOException {
        Path part = tmp.resolve("packages/tmp/upload-1.part");
        Files.createDirectories(part.getParent());
        Files.write(part, new byte[] {1, 2});
        PackageStore store = store(PackageStore.DEFAULT_MAX_BYTES);
        assertThat(part).doesNotExist();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void deletesPackages() throws IOException {
        PackageStore store = store(PackageStore.DEFAULT_MAX_BYTES);
        String sha = store.put(new ByteArrayInputStream(new byte[] {1, 2, 3}), "x").ref().sha256();
        assertThat(store.delete(sha)).isTrue();
        assertThat(store.exists(sha)).isFalse();
        assertThat(store.describe(sha)).isEmpty();
        assertThat(store.delete(sha)).isFalse();
    }
}
