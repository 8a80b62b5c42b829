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
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageStoreTest {
    @TempDir
    Path tmp;

    private PackageStore store(long max) {
        return new PackageStore(tmp.resolve("packages"), PackageStore.Config.defaults().withMaxPackageBytes(max));
    }

    private PackageStore storeWithQuota(long quota) {
        return new PackageStore(tmp.resolve("packages"), PackageStore.Config.defaults().withQuotaBytes(quota));
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Set<String> filesInStore() throws IOException {
        try (var files = Files.walk(tmp.resolve("packages"))) {
            return files.filter(Files::isRegularFile).map(p -> tmp.resolve("packages").relativize(p).toString()).collect(Collectors.toSet());
        }
    }

    private void age(PackageStore store, String sha, Duration by) throws IOException {
        Files.setLastModifiedTime(store.path(sha), FileTime.from(Instant.now().minus(by)));
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

    @Test
    void refusesAnUploadPastTheQuotaAndChangesNothing() throws IOException {
        PackageStore store = storeWithQuota(1000);
        String kept = store.put(new ByteArrayInputStream(bytes(600, 1)), "a.bin").ref().sha256();
        Set<String> before = filesInStore();

        assertThatThrownBy(() -> store.put(new ByteArrayInputStream(bytes(500, 2)), "b.bin"))
                .isInstanceOfSatisfying(RejectedPackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.QUOTA_EXCEEDED);
                    assertThat(e.getMessage()).contains("quota is 1000 bytes", "600 bytes are in use", "needs 500 bytes");
                    assertThat(e.fix()).contains("delete the functions you no longer need", "--package-quota");
                });

        assertThat(filesInStore()).isEqualTo(before);
        assertThat(store.list()).containsExactly(kept);
        assertThat(store.used()).isEqualTo(600);
    }

    @Test
    void identicalContentCostsNothingAgainstTheQuota() throws IOException {
        PackageStore store = storeWithQuota(1000);
        byte[] full = bytes(1000, 3);
        assertThat(store.put(new ByteArrayInputStream(full), "a.bin").created()).isTrue();

        PackageStore.Stored again = store.put(new ByteArrayInputStream(full), "a.bin");

        assertThat(again.created()).isFalse();
        assertThat(store.used()).isEqualTo(1000);
    }

    @Test
    void deletingAPackageFreesItsShareOfTheQuota() throws IOException {
        PackageStore store = storeWithQuota(1000);
        String first = store.put(new ByteArrayInputStream(bytes(600, 4)), "a.bin").ref().sha256();
        store.delete(first);

        assertThat(store.put(new ByteArrayInputStream(bytes(900, 5)), "b.bin").created()).isTrue();
        assertThat(store.used()).isEqualTo(900);
    }

    @Test
    void countsWhatIsStoredWhenItOpens() throws IOException {
        storeWithQuota(1000).put(new ByteArrayInputStream(bytes(700, 6)), "a.bin");

        PackageStore reopened = storeWithQuota(1000);

        assertThat(reopened.used()).isEqualTo(700);
        assertThatThrownBy(() -> reopened.put(new ByteArrayInputStream(bytes(400, 7)), "b.bin"))
                .isInstanceOfSatisfying(RejectedPackageException.class, e -> assertThat(e.reason()).isEqualTo(Reason.QUOTA_EXCEEDED));
    }

    @Test
    void uploadsInProgressTogetherHoldNoMoreThanTheQuota() throws IOException {
        PackageStore store = storeWithQuota(1000);
        byte[] chunk = bytes(600, 8);
        try (PackageStore.Upload first = store.begin("a.bin"); PackageStore.Upload second = store.begin("b.bin")) {
            first.write(chunk, 0, chunk.length);
            assertThatThrownBy(() -> second.write(chunk, 0, chunk.length))
                    .isInstanceOfSatisfying(RejectedPackageException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.QUOTA_EXCEEDED);
                        assertThat(e.getMessage()).contains("uploads in progress already hold 600 bytes");
                    });
        }
        try (var left = Files.list(tmp.resolve("packages/tmp"))) {
            assertThat(left).isEmpty();
        }
        assertThat(store.put(new ByteArrayInputStream(chunk), "c.bin").created()).isTrue(); // the refused reservations were given back
    }

    @Test
    void deletesUnreferencedPackagesOlderThanTheGracePeriodOnly() throws IOException {
        PackageStore store = storeWithQuota(10_000);
        String usedOld = store.put(new ByteArrayInputStream(bytes(100, 9)), "used.bin").ref().sha256();
        String unusedOld = store.put(new ByteArrayInputStream(bytes(200, 10)), "old.bin").ref().sha256();
        String unusedYoung = store.put(new ByteArrayInputStream(bytes(300, 11)), "young.bin").ref().sha256();
        age(store, usedOld, Duration.ofHours(2));
        age(store, unusedOld, Duration.ofHours(2));

        PackageStore.Collected c = store.deleteUnreferenced(Set.of(usedOld), Instant.now().minus(Duration.ofHours(1)));

        assertThat(c.deleted()).containsExactly(unusedOld);
        assertThat(c.bytesFreed()).isEqualTo(200);
        assertThat(store.list()).containsExactlyInAnyOrder(usedOld, unusedYoung);
        assertThat(filesInStore()).doesNotContain(unusedOld, unusedOld + ".json");
        assertThat(store.used()).isEqualTo(400);
    }

    @Test
    void uploadingStoredContentAgainRestartsItsGracePeriod() throws IOException {
        PackageStore store = storeWithQuota(10_000);
        byte[] content = bytes(100, 12);
        String sha = store.put(new ByteArrayInputStream(content), "a.bin").ref().sha256();
        age(store, sha, Duration.ofHours(2));

        store.put(new ByteArrayInputStream(content), "a.bin");

        assertThat(store.deleteUnreferenced(Set.of(), Instant.now().minus(Duration.ofHours(1))).deleted()).isEmpty();
        assertThat(store.exists(sha)).isTrue();
    }

    @Test
    void removesDescriptionsACrashLeftWithoutTheirBytes() throws IOException {
        PackageStore store = storeWithQuota(10_000);
        String sha = store.put(new ByteArrayInputStream(bytes(100, 13)), "a.bin").ref().sha256();
        Files.delete(store.path(sha)); // a crash between deleting the bytes and the description
        Path halfWritten = Files.writeString(tmp.resolve("packages/" + sha + ".json123.tmp"), "{");

        PackageStore reopened = storeWithQuota(10_000);
        assertThat(reopened.exists(sha)).isFalse();
        assertThat(reopened.describe(sha)).isEmpty();
        reopened.deleteUnreferenced(Set.of(), Instant.now());

        assertThat(filesInStore()).isEmpty();
        assertThat(halfWritten).doesNotExist();
    }
}
