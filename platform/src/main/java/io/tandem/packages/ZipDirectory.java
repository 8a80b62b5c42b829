package io.tandem.packages;

import static io.tandem.packages.Archives.corrupt;

import io.tandem.packages.Archives.Limits;
import io.tandem.packages.RejectedPackageException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The central directory of a zip or jar, read from the file itself (zip64 included) rather than trusted to the JDK,
 * which hides each entry's external attributes. Stateless.
 */
final class ZipDirectory {
    private static final int CENTRAL_HEADER = 0x02014b50;
    static final int END_OF_CENTRAL_DIR = 0x06054b50;
    private static final int ZIP64_END_LOCATOR = 0x07064b50;
    private static final int ZIP64_END = 0x06064b50;
    private static final long MAX_CENTRAL_DIRECTORY = 64L << 20;

    private ZipDirectory() {
    }

    /** One entry as the central directory describes it. */
    record Entry(String name, int flags, int method, long crc, long compressedSize, long size,
                 long localOffset, int unixMode) {
        boolean isDirectory() {
            return name.endsWith("/");
        }
    }

    /** Every entry the central directory lists, checked against {@code limits}' entry count. */
    static List<Entry> read(FileChannel ch, Limits limits) throws IOException {
        Directory dir = endOfCentralDirectory(ch);
        if (dir.count() > limits.maxEntries()) {
            throw new RejectedPackageException(Reason.UNSAFE_ARCHIVE, null, "the archive has " + dir.count()
                    + " entries, more than the " + limits.maxEntries() + " allowed",
                    "ship fewer files: merge resources or leave out what the function does not use");
        }
        if (dir.size() > MAX_CENTRAL_DIRECTORY || dir.offset() + dir.size() > ch.size()) {
            throw corrupt(null, "the archive's central directory lies outside the file", "upload the complete zip or jar");
        }
        ByteBuffer cd = readFully(ch, dir.offset(), (int) dir.size(), null);
        List<Entry> entries = new ArrayList<>();
        int p = 0;
        while (p + 46 <= dir.size() && cd.getInt(p) == CENTRAL_HEADER) {
            if (entries.size() >= limits.maxEntries()) {
                throw new RejectedPackageException(Reason.UNSAFE_ARCHIVE, null, "the archive has more than the "
                        + limits.maxEntries() + " entries allowed",
                        "ship fewer files: merge resources or leave out what the function does not use");
            }
            int length = 46 + Short.toUnsignedInt(cd.getShort(p + 28)) + Short.toUnsignedInt(cd.getShort(p + 30))
                    + Short.toUnsignedInt(cd.getShort(p + 32));
            if (p + length > dir.size()) break;
            entries.add(centralEntry(cd, p));
            p += length;
        }
        if (entries.size() != dir.count()) {
            throw corrupt(null, "the archive's directory lists " + entries.size() + " entries but declares " + dir.count(), "rebuild the archive");
        }
        return entries;
    }

    /** Where the central directory is and how many entries it declares, from the end record (zip64 when needed). */
    private record Directory(long count, long size, long offset) {
    }

    private static Directory endOfCentralDirectory(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 22) throw corrupt(null, "the archive is shorter than an empty zip", "upload a complete zip or jar");
        int tailLen = (int) Math.min(size, 22 + 65535);
        ByteBuffer tail = readFully(ch, size - tailLen, tailLen, null);
        int eocd = -1;
        for (int i = tailLen - 22; i >= 0; i--) {
            if (tail.getInt(i) == END_OF_CENTRAL_DIR) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) throw corrupt(null, "the archive has no central directory (truncated?)", "upload the complete zip or jar");
        Directory dir = new Directory(Short.toUnsignedInt(tail.getShort(eocd + 10)), Integer.toUnsignedLong(tail.getInt(eocd + 12)),
                Integer.toUnsignedLong(tail.getInt(eocd + 16)));
        long eocdPos = size - tailLen + eocd;
        if (eocdPos >= 20 && (dir.count() == 0xFFFF || dir.size() == 0xFFFFFFFFL || dir.offset() == 0xFFFFFFFFL)) {
            ByteBuffer locator = readFully(ch, eocdPos - 20, 20, null);
            if (locator.getInt(0) == ZIP64_END_LOCATOR) {
                ByteBuffer end64 = readFully(ch, locator.getLong(8), 56, null);
                if (end64.getInt(0) != ZIP64_END) throw corrupt(null, "the zip64 directory record is damaged", "rebuild the archive");
                return new Directory(end64.getLong(32), end64.getLong(40), end64.getLong(48));
            }
        }
        return dir;
    }

    /** The central directory header at {@code p} of {@code cd}, which holds all of it. */
    private static Entry centralEntry(ByteBuffer cd, int p) {
        int madeBy = Short.toUnsignedInt(cd.getShort(p + 4));
        int flags = Short.toUnsignedInt(cd.getShort(p + 8));
        int method = Short.toUnsignedInt(cd.getShort(p + 10));
        long crc = Integer.toUnsignedLong(cd.getInt(p + 16));
        long csize = Integer.toUnsignedLong(cd.getInt(p + 20));
        long usize = Integer.toUnsignedLong(cd.getInt(p + 24));
        int nameLen = Short.toUnsignedInt(cd.getShort(p + 28));
        int extraLen = Short.toUnsignedInt(cd.getShort(p + 30));
        long external = Integer.toUnsignedLong(cd.getInt(p + 38));
        long offset = Integer.toUnsignedLong(cd.getInt(p + 42));
        byte[] nameBytes = new byte[nameLen];
        cd.get(p + 46, nameBytes);
        String name = new String(nameBytes, (flags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        // zip64: the real values follow in extra field 0x0001, in this order, for each field set to all ones
        int q = p + 46 + nameLen;
        int extraEnd = q + extraLen;
        while (q + 4 <= extraEnd) {
            int id = Short.toUnsignedInt(cd.getShort(q));
            int len = Short.toUnsignedInt(cd.getShort(q + 2));
            if (id == 1) {
                int r = q + 4;
                if (usize == 0xFFFFFFFFL && r + 8 <= q + 4 + len) { usize = cd.getLong(r); r += 8; }
                if (csize == 0xFFFFFFFFL && r + 8 <= q + 4 + len) { csize = cd.getLong(r); r += 8; }
                if (offset == 0xFFFFFFFFL && r + 8 <= q + 4 + len) { offset = cd.getLong(r); }
            }
            q += 4 + len;
        }
        int unixMode = (madeBy >>> 8) == 3 || (external >>> 16) != 0 ? (int) (external >>> 16) : 0;
        return new Entry(name, flags, method, crc, csize, usize, offset, unixMode);
    }

    /** {@code length} bytes at {@code position}, little-endian; {@code entry}: whose data they are (null: the archive's). */
    static ByteBuffer readFully(FileChannel ch, long position, int length, String entry) throws IOException {
        if (position < 0 || position + length > ch.size()) {
            throw corrupt(entry, entry == null ? "the archive is truncated" : "is truncated", "upload the complete zip or jar");
        }
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) throw corrupt(entry, "the archive is truncated", "upload the complete zip or jar");
        }
        return buf.flip();
    }
}
