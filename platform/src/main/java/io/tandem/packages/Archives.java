package io.tandem.packages;

import io.tandem.packages.RejectedPackageException.Reason;
import io.tandem.packages.ZipDirectory.Entry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
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
 * trusts the sizes in the headers, so this class reads the central directory itself ({@link ZipDirectory}) and
 * inflates every entry with its own {@link Inflater}, counting the bytes that really come out. An archive is refused when an entry
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
    private static final int S_IFMT = 0170000;
    private static final int S_IFLNK = 0120000;
    private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");

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
            return sig == LOCAL_HEADER || sig == ZipDirectory.END_OF_CENTRAL_DIR;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** True when the archive holds {@code META-INF/MANIFEST.MF}; call after {@link #validate}. */
    public static boolean hasManifest(Path archive) throws IOException {
        try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.READ)) {
            return ZipDirectory.read(ch, Limits.defaults()).stream()
                    .anyMatch(e -> e.name().equalsIgnoreCase("META-INF/MANIFEST.MF"));
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

    /** What the entries read so far inflated to, and the compressed bytes of the entries read in full. */
    private static final class Totals {
        long inflated;
        long compressed;
    }

    /** Reads every entry; writes files under {@code target} unless it is null. */
    private static void walk(Path archive, Limits limits, Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.READ)) {
            List<Entry> entries = ZipDirectory.read(ch, limits);
            checkNames(entries);
            Totals total = new Totals();
            for (Entry e : entries) {
                if (e.isDirectory()) {
                    if (target != null) Files.createDirectories(target.resolve(e.name()));
                    continue;
                }
                if (target == null) {
                    inflate(ch, e, limits, total, OutputStream.nullOutputStream());
                } else {
                    Path file = target.resolve(e.name()).normalize();
                    if (!file.startsWith(target)) throw unsafe(e.name(), "resolves outside the destination", "remove the entry");
                    Files.createDirectories(file.getParent());
                    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        inflate(ch, e, limits, total, out);
                    }
                    if ((e.unixMode() & 0100) != 0) {
                        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
            }
        }
    }

    private static void checkNames(List<Entry> entries) {
        Set<String> seen = new HashSet<>();
        for (Entry e : entries) {
            String name = e.name();
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
            if ((e.unixMode() & S_IFMT) == S_IFLNK) {
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
        if ((e.flags() & 1) != 0) throw corrupt(e.name(), "is encrypted", "package the code without a password");
        if (e.method() != 0 && e.method() != 8) {
            throw corrupt(e.name(), "uses compression method " + e.method() + ", which Tandem cannot read", "rebuild the archive with deflate or store (zip, jar)");
        }
        long dataStart = dataStart(ch, e);
        if (dataStart + e.compressedSize() > ch.size()) throw corrupt(e.name(), "is truncated", "upload the complete archive");
        CRC32 crc = new CRC32();
        long written = e.method() == 8 ? deflated(ch, e, dataStart, limits, total, out, crc) : stored(ch, e, dataStart, limits, total, out, crc);
        total.compressed += e.compressedSize();
        if (written != e.size()) {
            throw corrupt(e.name(), "inflates to " + written + " bytes but declares " + e.size(), "rebuild the archive with a standard zip tool");
        }
        if (crc.getValue() != e.crc()) throw corrupt(e.name(), "fails its CRC check", "upload the archive again; it was damaged");
    }

    /** Copies a stored (uncompressed) entry's data to {@code out}; returns the bytes written. */
    private static long stored(FileChannel ch, Entry e, long dataStart, Limits limits, Totals total, OutputStream out, CRC32 crc)
            throws IOException {
        long written = 0;
        for (EntryData data = new EntryData(ch, e, dataStart); data.hasMore(); ) {
            byte[] chunk = data.next();
            written = emit(e, limits, total, out, crc, chunk, chunk.length, written, e.compressedSize());
        }
        return written;
    }

    /** Inflates a deflated entry's data into {@code out}; returns the bytes written. */
    private static long deflated(FileChannel ch, Entry e, long dataStart, Limits limits, Totals total, OutputStream out, CRC32 crc)
            throws IOException {
        EntryData data = new EntryData(ch, e, dataStart);
        byte[] outBuf = new byte[64 * 1024];
        long written = 0;
        Inflater inflater = new Inflater(true);
        boolean padded = false;
        try {
            while (true) {
                if (inflater.needsInput()) {
                    if (!data.hasMore()) {
                        if (inflater.finished()) break;
                        if (padded) throw corrupt(e.name(), "ends before its compressed data does", "upload the complete archive");
                        // raw deflate may want one more (dummy) byte to finish
                        inflater.setInput(new byte[1]);
                        padded = true;
                    } else {
                        inflater.setInput(data.next());
                    }
                }
                int n = inflater.inflate(outBuf);
                if (n > 0) {
                    written = emit(e, limits, total, out, crc, outBuf, n, written, inflater.getBytesRead());
                } else if (inflater.finished()) {
                    break;
                } else if (inflater.needsDictionary()) {
                    throw corrupt(e.name(), "needs a preset dictionary", "rebuild the archive with a standard zip tool");
                } else if (!inflater.needsInput()) {
                    throw corrupt(e.name(), "has compressed data that does not inflate", "rebuild the archive");
                }
            }
        } catch (DataFormatException ex) {
            throw corrupt(e.name(), "has corrupt compressed data (" + ex.getMessage() + ")", "rebuild the archive");
        } finally {
            inflater.end();
        }
        return written;
    }

    /** One entry's compressed data, read in chunks of up to 64 KiB from where it starts. */
    private static final class EntryData {
        private final FileChannel ch;
        private final Entry e;
        private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        private long position;
        private long remaining;

        EntryData(FileChannel ch, Entry e, long dataStart) {
            this.ch = ch;
            this.e = e;
            this.position = dataStart;
            this.remaining = e.compressedSize();
        }

        boolean hasMore() {
            return remaining > 0;
        }

        byte[] next() throws IOException {
            in.clear().limit((int) Math.min(in.capacity(), remaining));
            int n = ch.read(in, position);
            if (n <= 0) throw corrupt(e.name(), "is truncated", "upload the complete archive");
            in.flip();
            byte[] chunk = new byte[n];
            in.get(chunk);
            position += n;
            remaining -= n;
            return chunk;
        }
    }

    private static long emit(Entry e, Limits limits, Totals total, OutputStream out, CRC32 crc,
                             byte[] buf, int n, long written, long compressedSoFar) throws IOException {
        written += n;
        total.inflated += n;
        if (written > e.size()) {
            throw unsafe(e.name(), "inflates to more than the " + e.size() + " bytes it declares", "rebuild the archive with a standard zip tool");
        }
        if (total.inflated > limits.maxTotalBytes()) {
            throw new RejectedPackageException(Reason.TOO_LARGE, e.name(), "the archive inflates to more than "
                    + limits.maxTotalBytes() + " bytes (reached at entry '" + e.name() + "')",
                    "ship less: leave out test data and unused dependencies");
        }
        if (written > limits.ratioGraceBytes() && written > (long) limits.maxRatio() * Math.max(1, compressedSoFar)) {
            throw unsafe(e.name(), "inflates more than " + limits.maxRatio() + " times its compressed size, like a zip bomb",
                    "store such data compressed less, or generate it at run time");
        }
        long compressedInAll = total.compressed + compressedSoFar;
        if (total.inflated > limits.ratioGraceBytes() && total.inflated > (long) limits.maxRatio() * Math.max(1, compressedInAll)) {
            throw new RejectedPackageException(Reason.UNSAFE_ARCHIVE, e.name(), "the archive's entries inflate more than "
                    + limits.maxRatio() + " times their compressed size in all, like a zip bomb (reached at entry '" + e.name() + "')",
                    "store such data compressed less, or generate it at run time");
        }
        crc.update(buf, 0, n);
        out.write(buf, 0, n);
        return written;
    }

    private static long dataStart(FileChannel ch, Entry e) throws IOException {
        ByteBuffer local = ZipDirectory.readFully(ch, e.localOffset(), 30, e.name());
        if (local.getInt(0) != LOCAL_HEADER) throw corrupt(e.name(), "has no local header where the directory says", "rebuild the archive");
        int nameLen = Short.toUnsignedInt(local.getShort(26));
        int extraLen = Short.toUnsignedInt(local.getShort(28));
        return e.localOffset() + 30 + nameLen + extraLen;
    }

    private static RejectedPackageException unsafe(String entry, String rule, String fix) {
        return new RejectedPackageException(Reason.UNSAFE_ARCHIVE, entry, "entry '" + entry + "' " + rule, fix);
    }

    static RejectedPackageException corrupt(String entry, String rule, String fix) {
        String message = entry == null ? rule : "entry '" + entry + "' " + rule;
        return new RejectedPackageException(Reason.CORRUPT_ARCHIVE, entry, message, fix);
    }
}
