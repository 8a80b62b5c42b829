package io.tandem.packages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.packages.RejectedPackageException.Reason;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchivesTest {
    @TempDir
    Path tmp;

    @Test
    void unpacksAnOrdinaryArchiveAtomically() throws IOException {
        Path zip = Zips.of().file("bin/", new byte[0]).file("bin/run.sh", "#!/bin/sh\necho hi\n").mode("bin/run.sh", 0100755)
                .file("lib/a.txt", "a").write(tmp.resolve("ok.zip"));
        Path dest = tmp.resolve("out");

        Archives.unpack(zip, dest);

        assertThat(dest.resolve("lib/a.txt")).hasContent("a");
        assertThat(Files.getPosixFilePermissions(dest.resolve("bin/run.sh"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.getPosixFilePermissions(dest.resolve("lib/a.txt"))).doesNotContain(PosixFilePermission.OWNER_EXECUTE);
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ok.zip", "out");
        }
    }

    @Test
    void refusesToUnpackOverAnExistingDirectory() throws IOException {
        Path zip = Zips.of().file("a.txt", "a").write(tmp.resolve("ok.zip"));
        Files.createDirectories(tmp.resolve("out"));
        assertThatThrownBy(() -> Archives.unpack(zip, tmp.resolve("out"))).isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void refusesParentTraversal() throws IOException {
        Path zip = Zips.of().file("ok.txt", "x").file("lib/../../evil.sh", "x").write(tmp.resolve("t.zip"));
        assertRefused(zip, Reason.UNSAFE_ARCHIVE, "lib/../../evil.sh", "'..'");
        assertThat(tmp.getParent().resolve("evil.sh")).doesNotExist();
    }

    @Test
    void refusesBackslashTraversal() throws IOException {
        Path zip = Zips.of().file("..\\evil.bat", "x").write(tmp.resolve("t.zip"));
        assertRefused(zip, Reason.UNSAFE_ARCHIVE, "..\\evil.bat", "'..'");
    }

    @Test
    void refusesAbsolutePaths() throws IOException {
        assertRefused(Zips.of().file("/etc/cron.d/x", "x").write(tmp.resolve("a.zip")), Reason.UNSAFE_ARCHIVE, "/etc/cron.d/x", "absolute");
        assertRefused(Zips.of().file("C:/x.txt", "x").write(tmp.resolve("b.zip")), Reason.UNSAFE_ARCHIVE, "C:/x.txt", "absolute");
    }

    @Test
    void refusesSymlinks() throws IOException {
        Path zip = Zips.of().file("link", "/etc/passwd").mode("link", 0120777).write(tmp.resolve("l.zip"));
        RejectedPackageException e = assertRefused(zip, Reason.UNSAFE_ARCHIVE, "link", "symbolic link");
        assertThat(e.fix()).contains("replace the link");
    }

    @Test
    void refusesDuplicateEntries() throws IOException {
        // ZipOutputStream refuses duplicates, so rename the second entry in place.
        byte[] zip = Zips.of().file("a.txt", "1").file("b.txt", "2").bytes();
        Zips.patchCentral(zip, "b.txt", (b, p) -> b.put(p + 46, (byte) 'a'));
        Path file = Files.write(tmp.resolve("d.zip"), zip);
        assertRefused(file, Reason.UNSAFE_ARCHIVE, "a.txt", "more than once");
    }

    @Test
    void refusesTooManyEntries() throws IOException {
        Zips z = Zips.of();
        for (int i = 0; i <= 10_000; i++) z.file("f" + i, new byte[0]);
        Path zip = z.write(tmp.resolve("many.zip"));
        assertThatThrownBy(() -> Archives.validate(zip))
                .isInstanceOfSatisfying(RejectedPackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNSAFE_ARCHIVE);
                    assertThat(e.getMessage()).contains("10001 entries", "10000 allowed");
                });
    }

    @Test
    void acceptsExactlyTheEntryLimit() throws IOException {
        Zips z = Zips.of();
        for (int i = 0; i < 10_000; i++) z.file("f" + i, new byte[0]);
        Archives.validate(z.write(tmp.resolve("limit.zip")));
    }

    @Test
    void refusesArchivesThatInflateBeyondTheTotalLimit() throws IOException {
        byte[] random = new byte[600 * 1024];
        new Random(1).nextBytes(random);
        Path zip = Zips.of().file("a.bin", random).file("b.bin", random).write(tmp.resolve("big.zip"));
        Archives.Limits oneMiB = new Archives.Limits(10_000, 1 << 20, 100, 1 << 20);
        assertThatThrownBy(() -> Archives.validate(zip, oneMiB))
                .isInstanceOfSatisfying(RejectedPackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
                    assertThat(e.entry()).isEqualTo("b.bin");
                    assertThat(e.getMessage()).contains("1048576 bytes");
                });
        Archives.validate(zip, new Archives.Limits(10_000, 2 << 20, 100, 1 << 20));
    }

    @Test
    void refusesZipBombsByTheirRatio() throws IOException {
        Path zip = Zips.of().file("zeros", new byte[20 << 20]).write(tmp.resolve("bomb.zip"));
        assertThat(Files.size(zip)).isLessThan(100_000);
        RejectedPackageException e = assertRefused(zip, Reason.UNSAFE_ARCHIVE, "zeros", "100 times");
        assertThat(e.getMessage()).contains("zip bomb");
    }

    @Test
    void acceptsSmallHighlyCompressibleEntries() throws IOException {
        Archives.validate(Zips.of().file("blank.txt", " ".repeat(500_000)).write(tmp.resolve("blank.zip")));
    }

    @Test
    void refusesABombOfManySmallEntriesByTheRatioOfTheWhole() throws IOException {
        Zips z = Zips.of();
        for (int i = 0; i < 2_000; i++) z.file("z" + i, new byte[4096]); // 8 MiB of zeros, each entry far below the grace size
        Path zip = z.write(tmp.resolve("small-bomb.zip"));
        assertThat(Files.size(zip)).isLessThan(400_000);

        assertThatThrownBy(() -> Archives.unpack(zip, tmp.resolve("out")))
                .isInstanceOfSatisfying(RejectedPackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNSAFE_ARCHIVE);
                    assertThat(e.getMessage()).contains("100 times their compressed size in all", "zip bomb");
                    assertThat(e.fix()).isNotBlank();
                });
        assertThat(tmp.resolve("out")).doesNotExist();
        try (var left = Files.list(tmp)) {
            assertThat(left).containsExactly(zip);
        }
    }

    @Test
    void refusesABombOfEntriesExactlyAtTheGraceSize() throws IOException {
        Zips z = Zips.of();
        for (int i = 0; i < 8; i++) z.file("mib" + i, new byte[1 << 20]);
        Path zip = z.write(tmp.resolve("grace-bomb.zip"));
        assertThatThrownBy(() -> Archives.validate(zip))
                .isInstanceOfSatisfying(RejectedPackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNSAFE_ARCHIVE);
                    assertThat(e.entry()).isEqualTo("mib1");
                    assertThat(e.getMessage()).contains("in all");
                });
    }

    @Test
    void acceptsAJarOfThousandsOfSmallClassFiles() throws IOException {
        Random random = new Random(3);
        Zips z = Zips.of().file("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n");
        for (int i = 0; i < 5_000; i++) {
            // class files deflate about 2:1; sixteen byte values give about that
            byte[] classFile = new byte[1_000 + random.nextInt(3_000)];
            for (int j = 0; j < classFile.length; j++) classFile[j] = (byte) random.nextInt(16);
            z.file("com/example/pkg" + i / 100 + "/C" + i + ".class", classFile);
        }
        z.file("blank.txt", " ".repeat(500_000));
        Path jar = z.write(tmp.resolve("app.jar"));

        Archives.unpack(jar, tmp.resolve("app"));
        assertThat(tmp.resolve("app/com/example/pkg49/C4999.class")).isRegularFile();
    }

    @Test
    void checksTheInflatedBytesNotTheDeclaredSize() throws IOException {
        byte[] content = new byte[300_000];
        new Random(2).nextBytes(content);
        byte[] zip = Zips.of().file("liar.bin", content).bytes();
        Zips.patchCentral(zip, "liar.bin", (b, p) -> b.putInt(p + 24, 1000));
        Path file = Files.write(tmp.resolve("liar.zip"), zip);
        assertRefused(file, Reason.UNSAFE_ARCHIVE, "liar.bin", "more than the 1000 bytes it declares");
    }

    @Test
    void refusesDamagedData() throws IOException {
        byte[] content = new byte[100_000];
        new Random(3).nextBytes(content);
        byte[] zip = Zips.of().file("x.bin", content).bytes();
        for (int i = 200; i < 300; i++) zip[i] ^= 0x5a;
        Path file = Files.write(tmp.resolve("bad.zip"), zip);
        assertThatThrownBy(() -> Archives.validate(file))
                .isInstanceOfSatisfying(RejectedPackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.CORRUPT_ARCHIVE);
                    assertThat(e.getMessage()).contains("x.bin");
                });
    }

    @Test
    void refusesTruncatedArchives() throws IOException {
        byte[] zip = Zips.of().file("a.txt", "hello").bytes();
        Path file = Files.write(tmp.resolve("cut.zip"), Arrays.copyOf(zip, zip.length - 30));
        assertThatThrownBy(() -> Archives.validate(file))
                .isInstanceOfSatisfying(RejectedPackageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.CORRUPT_ARCHIVE);
                    assertThat(e.getMessage()).contains("central directory");
                });
    }

    @Test
    void leavesNothingBehindWhenUnpackIsRefused() throws IOException {
        Path zip = Zips.of().file("good.txt", "fine").file("../evil", "x").write(tmp.resolve("t.zip"));
        assertThatThrownBy(() -> Archives.unpack(zip, tmp.resolve("out"))).isInstanceOf(RejectedPackageException.class);
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("t.zip");
        }
    }

    private RejectedPackageException assertRefused(Path zip, Reason reason, String entry, String rule) {
        try {
            Archives.validate(zip);
        } catch (RejectedPackageException e) {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.entry()).isEqualTo(entry);
            assertThat(e.getMessage()).contains("'" + entry + "'", rule);
            assertThat(e.fix()).isNotBlank();
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("accepted " + zip);
    }
}
