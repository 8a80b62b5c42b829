package io.tandem.packages;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds real zip files for tests, including ones no honest tool would write. */
final class Zips {
    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private final Map<String, Integer> modes = new LinkedHashMap<>();

    static Zips of() {
        return new Zips();
    }

    Zips file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    Zips file(String name, byte[] content) {
        entries.put(name, content);
        return this;
    }

    /** A unix mode to patch into the entry's external attributes (such as 0120777 for a symlink). */
    Zips mode(String name, int unixMode) {
        modes.put(name, unixMode);
        return this;
    }

    byte[] bytes() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(buf)) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        byte[] out = buf.toByteArray();
        for (var m : modes.entrySet()) patchCentral(out, m.getKey(), (cd, p) -> {
            cd.putShort(p + 4, (short) (3 << 8 | 20)); // made by unix
            cd.putInt(p + 38, m.getValue() << 16);
        });
        return out;
    }

    Path write(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }

    interface Patch {
        void apply(ByteBuffer buffer, int headerPosition);
    }

    /** Applies {@code patch} to the central directory header of {@code name}. */
    static void patchCentral(byte[] zip, String name, Patch patch) {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        for (int p = 0; p + 46 < zip.length; p++) {
            if (b.getInt(p) != 0x02014b50) continue;
            int len = Short.toUnsignedInt(b.getShort(p + 28));
            if (len == wanted.length && Arrays.equals(zip, p + 46, p + 46 + len, wanted, 0, len)) {
                patch.apply(b, p);
                return;
            }
        }
        throw new IllegalArgumentException("no central header for " + name);
    }

    static long crc(byte[] data) {
        CRC32 c = new CRC32();
        c.update(data);
        return c.getValue();
    }
}
