package io.tandem.packages;

import io.tandem.packages.RejectedPackageException.Reason;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Validation and safe unpacking of zip and jar packages.
 *
 * <p>Design note: the JDK's {@code ZipFile} hides each entry's external attributes (where a symlink is marked) and
 * trusts the sizes in the headers, so this class reads the central directory itself and inflates every entry
 * with its own {@link Inflater}, counting the bytes that really come out. An archive is refused when an entry
 * name is empty, absolute or climbs out with {@code ..}, when an entry is a symlink or appears twice, when it
 * holds more than {@link Limits#maxEntries()} entries or inflates to more than {@link Limits#maxTotalBytes()},
 * when an entry inflates to more than it declares, or when more than {@link Limits#ratioGraceBytes()} inflate more
 * than {@link Limits#maxRatio()} times their compressed size (a zip bomb), counted both for each entry and for the
 * archive as a whole. Small data may compress better than that (a page of blanks does), so the ratio rule starts at
 * the grace size; the whole-archive count keeps a bomb split into many entries just under the grace size from
 * passing. Every rule is checked while the bytes are read, so a refused archive is never inflated in full.
 * Stateless and thread-safe.
 */
public final class Archives {
    private static final int LOCAL_HEADER = 0x04034b50;
    private static final int CENTRAL_HEADER = 0x02014b50;
    private static final int END_OF_CENTRAL_DIR = 0x06054b50;
    private static final int ZIP64_END_LOCATOR = 0x07064b50;
    private static final int ZIP64_END = 0x06064b50;
    private static final int S_IFMT = 0170000;
    private static final int S_IFLNK = 0120000;
    private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");
    private static final long MAX_CENTRAL_DIRECTORY = 64L << 20;

    /**
     * What an archive may hold. Defaults: 10,000 entries, 1 GiB inflated in all, a ratio of 100 past 1 MiB
     * inflated (for one entry and for the whole archive).
     */
    public record Limits(int maxEntries, long maxTotalBytes, int maxRatio, long ratioGraceBytes) {
        public static Limits defaults() {
            return new Limits(10_000, 1L << 30, 100, 1L << 20);
        }
    }

    private Archives() {
    }

    /** True when the file starts with a zip local header (or is an empty zip). */
    public static boolean looksLikeZip(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining() && ch.read(head) > 0) {
                // fill
            }
            if (head.position() < 4) return false;
            int sig = head.getInt(0);
            return sig == LOCAL_HEADER || sig == END_OF_CENTRAL_DIR;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** True when the archive holds {@code META-INF/MANIFEST.MF}; call after {@link #validate}. */
    public static boolean hasManifest(Path archive) throws IOException {
        try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.READ)) {
            return readCentralDirectory(ch, Limits.defaults()).stream()
                    .anyMatch(e -> e.name.equalsIgnoreCase("META-INF/MANIFEST.MF"));
        }
    }

    /** Inflates every entry and applies every rule, writing nothing. */
    public static void validate(Path archive) throws IOException {
        validate(archive, Limits.defaults());
    }

    public static void validate(Path archive, Limits limits) throws IOException {
        walk(archive, limits, null);
    }

    /**
     * Unpacks {@code archive} into {@code destDir}, which must not exist: first into a temporary sibling, then one
     * atomic rename, so readers see the whole tree or nothing. On any refusal nothing is left behind. Files keep
     * their owner-execute bit.
     *
     * @throws FileAlreadyExistsException when {@code destDir} exists (also when another unpack won a race to it)
     */
    public static void unpack(Path archive, Path destDir) throws IOException {
        unpack(archive, destDir, Limits.defaults());
    }

    public static void unpack(Path archive, Path destDir, Limits limits) throws IOException {
        if (Files.exists(destDir)) throw new FileAlreadyExistsException(destDir.toString());
        Path parent = destDir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + destDir.getFileName() + ".unpack-");
        boolean moved = false;
        try {
            walk(archive, limits, tmp);
            try {
                Files.move(tmp, destDir, StandardCopyOption.ATOMIC_MOVE);
            } catch (DirectoryNotEmptyException e) {
                throw new FileAlreadyExistsException(destDir.toString());
            }
            moved = true;
        } finally {
            if (!moved) deleteTree(tmp);
        }
    }

    /** Deletes {@code root} and everything under it, deepest first; nothing when it does not exist. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private record Entry(String name, int flags, int method, long crc, long compressedSize, long size,
                         long localOffset, int unixMode) {
        boolean isDirectory() {
            return name.endsWith("/");
        }
    }

    /** What the entries read so far inflated to, and the compressed bytes of the entries read in full. */
    private static final class Totals {
        long inflated;
        long compressed;
    }

    /** Reads every entry; writes files under {@code target} unless it is null. */
    private static void walk(Path archive, Limits limits, Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.READ)) {
            List<Entry> entries = readCentralDirectory(ch, limits);
            checkNames(entries);
            Totals total = new Totals();
            for (Entry e : entries) {
                if (e.isDirectory()) {
                    if (target != null) Files.createDirectories(target.resolve(e.name));
                    continue;
                }
                if (target == null) {
                    inflate(ch, e, limits, total, OutputStream.nullOutputStream());
                } else {
                    Path file = target.resolve(e.name).normalize();
                    if (!file.startsWith(target)) throw unsafe(e.name, "resolves outside the destination", "remove the entry");
                    Files.createDirectories(file.getParent());
                    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        inflate(ch, e, limits, total, out);
                    }
                    if ((e.unixMode & 0100) != 0) {
                        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
            }
        }
    }

    private static void checkNames(List<Entry> entries) {
        Set<String> seen = new HashSet<>();
        for (Entry e : entries) {
            String name = e.name;
            if (name.isEmpty() || name.indexOf('\0') >= 0) {
                throw unsafe(name, "has an empty name or a NUL character", "rebuild the archive with ordinary file names");
            }
            String slashed = name.replace('\\', '/');
            if (slashed.startsWith("/") || DRIVE.matcher(slashed).matches()) {
                throw unsafe(name, "is an absolute path", "store paths relative to the archive root (zip -r from inside the directory)");
            }
            for (String segment : slashed.split("/")) {
                if (segment.equals("..")) {
                    throw unsafe(name, "climbs out of the archive with '..'", "store paths relative to the archive root, without '..'");
                }
            }
            if ((e.unixMode & S_IFMT) == S_IFLNK) {
                throw unsafe(name, "is a symbolic link", "replace the link with the file it points to (zip without -y)");
            }
            if (!seen.add(stripTrailingSlash(slashed).toLowerCase(Locale.ROOT)) ) {
                throw unsafe(name, "appears more than once", "keep one entry per path");
            }
        }
    }

    private static String stripTrailingSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static void inflate(FileChannel ch, Entry e, Limits limits, Totals total, OutputStream out) throws IOException {
        if ((e.flags & 1) != 0) throw corrupt(e.name, "is encrypted", "package the code without a password");
        if (e.method != 0 && e.method != 8) {
            throw corrupt(e.name, "uses compression method " + e.method + ", which Tandem cannot read", "rebuild the archive with deflate or store (zip, jar)");
        }
        long dataStart = dataStart(ch, e);
        if (dataStart + e.compressedSize > ch.size()) throw corrupt(e.name, "is truncated", "upload the complete archive");
        CRC32 crc = new CRC32();
        long written = 0;
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        byte[] outBuf = new byte[64 * 1024];
        long position = dataStart;
        long remaining = e.compressedSize;
        Inflater inflater = e.method == 8 ? new Inflater(true) : null;
        boolean padded = false;
        try {
            while (true) {
                if (inflater == null || inflater.needsInput()) {
                    if (remaining == 0) {
                        if (inflater == null || inflater.finished()) break;
                        if (padded) throw corrupt(e.name, "ends before its compressed data does", "upload the complete archive");
                        // raw deflate may want one more (dummy) byte to finish
                        inflater.setInput(new byte[1]);
                        padded = true;
                    } else {
                        in.clear().limit((int) Math.min(in.capacity(), remaining));
                        int n = ch.read(in, position);
                        if (n <= 0) throw corrupt(e.name, "is truncated", "upload the complete archive");
                        position += n;
                        remaining -= n;
                        in.flip();
                        byte[] chunk = new byte[n];
                        in.get(chunk);
                        if (inflater == null) {
                            written = emit(e, limits, total, out, crc, chunk, n, written, e.compressedSize);
                            continue;
                        }
                        inflater.setInput(chunk);
                    }
                }
                int n = inflater.inflate(outBuf);
                if (n > 0) {
                    written = emit(e, limits, total, out, crc, outBuf, n, written, inflater.getBytesRead());
                } else if (inflater.finished()) {
                    break;
                } else if (inflater.needsDictionary()) {
                    throw corrupt(e.name, "needs a preset dictionary", "rebuild the archive with a standard zip tool");
                } else if (!inflater.needsInput()) {
                    throw corrupt(e.name, "has compressed data that does not inflate", "rebuild the archive");
                }
            }
        } catch (DataFormatException ex) {
            throw corrupt(e.name, "has corrupt compressed data (" + ex.getMessage() + ")", "rebuild the archive");
        } finally {
            if (inflater != null) inflater.end();
        }
        total.compressed += e.compressedSize;
        if (written != e.size) {
            throw corrupt(e.name, "inflates to " + written + " bytes but declares " + e.size, "rebuild the archive with a standard zip tool");
        }
        if (crc.getValue() != e.crc) throw corrupt(e.name, "fails its CRC check", "upload the archive again; it was damaged");
    }

    private static long emit(Entry e, Limits limits, Totals total, OutputStream out, CRC32 crc,
                             byte[] buf, int n, long written, long compressedSoFar) throws IOException {
        written += n;
        total.inflated += n;
        if (written > e.size) {
            throw unsafe(e.name, "inflates to more than the " + e.size + " bytes it declares", "rebuild the archive with a standard zip tool");
        }
        if (total.inflated > limits.maxTotalBytes()) {
            throw new RejectedPackageException(Reason.TOO_LARGE, e.name, "the archive inflates to more than "
                    + limits.maxTotalBytes() + " bytes (reached at entry '" + e.name + "')",
                    "ship less: leave out test data and unused dependencies");
        }
        if (written > limits.ratioGraceBytes() && written > (long) limits.maxRatio() * Math.max(1, compressedSoFar)) {
            throw unsafe(e.name, "inflates more than " + limits.maxRatio() + " times its compressed size, like a zip bomb",
                    "store such data compressed less, or generate it at run time");
        }
        long compressedInAll = total.compressed + compressedSoFar;
        if (total.inflated > limits.ratioGraceBytes() && total.inflated > (long) limits.maxRatio() * Math.max(1, compressedInAll)) {
            throw new RejectedPackageException(Reason.UNSAFE_ARCHIVE, e.name, "the archive's entries inflate more than "
                    + limits.maxRatio() + " times their compressed size in all, like a zip bomb (reached at entry '" + e.name + "')",
                    "store such data compressed less, or generate it at run time");
        }
        crc.update(buf, 0, n);
        out.write(buf, 0, n);
        return written;
    }

    private static long dataStart(FileChannel ch, Entry e) throws IOException {
        ByteBuffer local = readFully(ch, e.localOffset, 30, e.name);
        if (local.getInt(0) != LOCAL_HEADER) throw corrupt(e.name, "has no local header where the directory says", "rebuild the archive");
        int nameLen = Short.toUnsignedInt(local.getShort(26));
        int extraLen = Short.toUnsignedInt(local.getShort(28));
        return e.localOffset + 30 + nameLen + extraLen;
    }

    private static List<Entry> readCentralDirectory(FileChannel ch, Limits limits) throws IOException {
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

    private static ByteBuffer readFully(FileChannel ch, long position, int length, String entry) throws IOException {
        if (position < 0 || position + length > ch.size()) {
            throw corrupt(entry, entry == null ? "the archive is truncated" : "is truncated", "upload the complete zip or jar");
        }
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) throw corrupt(entry, "the archive is truncated", "upload the complete zip or jar");
        }
        return buf.flip();
    }

    private static RejectedPackageException unsafe(String entry, String rule, String fix) {
        return new RejectedPackageException(Reason.UNSAFE_ARCHIVE, entry, "entry '" + entry + "' " + rule, fix);
    }

    private static RejectedPackageException corrupt(String entry, String rule, String fix) {
        String message = entry == null ? rule : "entry '" + entry + "' " + rule;
        return new RejectedPackageException(Reason.CORRUPT_ARCHIVE, entry, message, fix);
    }
}
