package io.tandem.packages;

import io.tandem.home.TandemHome;
import io.tandem.model.CodeRef;
import io.tandem.model.CodeRef.PackageKind;
import io.tandem.model.Json;
import io.tandem.packages.RejectedPackageException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Code packages, content-addressed by SHA-256: {@code DIR/<sha256>} holds the bytes and {@code DIR/<sha256>.json}
 * the {@link CodeRef} of its first upload. An upload streams to {@code DIR/tmp/} while it is hashed, is refused
 * past {@link Config#maxPackageBytes()}, is validated when it is an archive (see {@link Archives}), and only then is
 * fsynced and renamed into place, so a crash leaves the package whole or absent. Identical content is stored once.
 *
 * <p>Design note. The bytes file is the package: it is renamed in last when a package is stored and deleted first
 * when one is deleted, and {@link #exists}, {@link #list} and {@link #describe} look at it alone. A crash between
 * the two files therefore leaves at most a description without bytes, which no reader sees and
 * {@link #deleteUnreferenced} removes. The stored packages' bytes together stay within {@link Config#quotaBytes()}:
 * {@link #used()} is counted from the directory when the store opens and kept, like every change to the directory,
 * under this object's lock, where an upload is checked against the quota once its SHA-256 is known (identical
 * content costs nothing). Uploads in progress are bounded apart: together they may hold at most the quota in
 * {@code DIR/tmp/}, so the directory never holds more than twice the quota.
 *
 * <p>Thread-safe; each {@link Upload} belongs to one thread at a time. Methods block on file I/O.
 */
public final class PackageStore {
    public static final long DEFAULT_MAX_BYTES = 256L << 20;
    public static final long DEFAULT_QUOTA_BYTES = 2L << 30;
    private static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");
    private static final String QUOTA_FIX = "delete the functions you no longer need (their packages are then collected)"
            + " or unused packages (DELETE /v1/packages/SHA256), or raise the quota (tandem server --package-quota SIZE)";

    /**
     * What the store accepts: packages of at most {@code maxPackageBytes} (default 256 MiB), at most
     * {@code quotaBytes} of packages in all (default 2 GiB), and archives within {@code archives}.
     */
    public record Config(long maxPackageBytes, long quotaBytes, Archives.Limits archives) {
        public Config {
            if (maxPackageBytes < 1 || quotaBytes < 1) {
                throw new IllegalArgumentException("the package size limit and the quota must be positive, were " + maxPackageBytes + " and " + quotaBytes);
            }
        }

        public static Config defaults() {
            return new Config(DEFAULT_MAX_BYTES, DEFAULT_QUOTA_BYTES, Archives.Limits.defaults());
        }

        public Config withMaxPackageBytes(long bytes) {
            return new Config(bytes, quotaBytes, archives);
        }

        public Config withQuotaBytes(long bytes) {
            return new Config(maxPackageBytes, bytes, archives);
        }
    }

    private final Path dir;
    private final Path tmpDir;
    private final Config config;
    private volatile long used; // written under this lock: bytes of the stored packages
    private long inFlight; // guarded by this: bytes written by uploads in progress

    public PackageStore(TandemHome home) {
        this(home.packagesDir(), Config.defaults());
    }

    public PackageStore(Path dir, Config config) {
        this.dir = dir;
        this.tmpDir = dir.resolve("tmp");
        this.config = config;
        try {
            Files.createDirectories(tmpDir);
            Archives.deleteTree(tmpDir); // uploads cut short by a crash
            Files.createDirectories(tmpDir);
            for (String sha : list()) used += sizeOrZero(dir.resolve(sha));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the package store in " + dir, e);
        }
    }

    public long maxBytes() {
        return config.maxPackageBytes();
    }

    public long quotaBytes() {
        return config.quotaBytes();
    }

    /** Bytes of the packages stored now. */
    public long used() {
        return used;
    }

    public static boolean isSha256(String text) {
        return text != null && SHA256.matcher(text).matches();
    }

    /** The stored package, and whether this upload added it (false: identical content was stored already). */
    public record Stored(CodeRef ref, boolean created) {
    }

    /** Starts an upload named {@code filename} (only its last path segment is kept). */
    public Upload begin(String filename) {
        try {
            return new Upload(sanitize(filename), Files.createTempFile(tmpDir, "upload-", ".part"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create an upload file in " + tmpDir, e);
        }
    }

    /** Stores everything {@code in} yields; see {@link Upload#commit()}. */
    public Stored put(InputStream in, String filename) throws IOException {
        try (Upload upload = begin(filename)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) upload.write(buf, 0, n);
            return upload.commit();
        }
    }

    public boolean exists(String sha256) {
        return isSha256(sha256) && Files.isRegularFile(dir.resolve(sha256));
    }

    /** Where the bytes of {@code sha256} lie; the file may not exist. */
    public Path path(String sha256) {
        if (!isSha256(sha256)) throw new IllegalArgumentException("not a SHA-256 in lower-case hex: " + sha256);
        return dir.resolve(sha256);
    }

    public InputStream open(String sha256) throws IOException {
        return Files.newInputStream(path(sha256));
    }

    /** The reference recorded at the first upload of {@code sha256}, if it is stored. */
    public Optional<CodeRef> describe(String sha256) {
        if (!exists(sha256)) return Optional.empty();
        try {
            return Optional.of(Json.read(Files.readAllBytes(dir.resolve(sha256 + ".json")), CodeRef.class));
        } catch (NoSuchFileException e) {
            // no description (copied in by hand?): describe the bytes themselves
            Path file = dir.resolve(sha256);
            try {
                return Optional.of(new CodeRef(sha256, sha256, Files.size(file), kindOf(file, sha256)));
            } catch (IOException gone) {
                return Optional.empty();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the description of package " + sha256, e);
        }
    }

    /** Every stored SHA-256. */
    public Set<String> list() {
        try (Stream<Path> files = Files.list(dir)) {
            Set<String> out = new TreeSet<>();
            files.map(p -> p.getFileName().toString()).filter(PackageStore::isSha256).forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /**
     * Deletes a package; the caller makes sure no function refers to it (the controller checks in its store).
     * Returns false when it was not there. The bytes go first: see the design note.
     */
    public synchronized boolean delete(String sha256) throws IOException {
        Path bytes = path(sha256);
        long size = sizeOrZero(bytes);
        boolean existed = Files.deleteIfExists(bytes);
        if (existed) used -= size;
        Files.deleteIfExists(dir.resolve(sha256 + ".json"));
        return existed;
    }

    /** What {@link #deleteUnreferenced} deleted, and the bytes it freed. */
    public record Collected(Set<String> deleted, long bytesFreed) {
    }

    /**
     * Deletes every package that is not in {@code referenced} and was stored (or uploaded again) before
     * {@code storedBefore}, a grace period, so that a package uploaded for a function about to be created survives;
     * and the descriptions a crash left without their bytes. The caller holds {@code referenced} steady meanwhile
     * (the controller runs this inside a store transaction).
     */
    public synchronized Collected deleteUnreferenced(Set<String> referenced, Instant storedBefore) throws IOException {
        Set<String> deleted = new TreeSet<>();
        long freed = 0;
        for (String sha : list()) {
            if (referenced.contains(sha)) continue;
            Path bytes = dir.resolve(sha);
            Instant stored = Files.getLastModifiedTime(bytes).toInstant();
            if (!stored.isBefore(storedBefore)) continue;
            long size = sizeOrZero(bytes);
            if (delete(sha)) {
                deleted.add(sha);
                freed += size;
            }
        }
        deleteOrphanedDescriptions();
        return new Collected(deleted, freed);
    }

    /** Descriptions whose bytes are gone, and their half-written temporary files; under the lock, so none is being written. */
    private void deleteOrphanedDescriptions() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.length() < 69 || !name.startsWith(".json", 64) || !isSha256(name.substring(0, 64))) continue;
                if (name.length() > 69 || !Files.exists(dir.resolve(name.substring(0, 64)))) Files.deleteIfExists(p);
            }
        }
    }

    private synchronized Stored install(Path tmp, String sha, CodeRef ref) throws IOException {
        Path target = dir.resolve(sha);
        if (Files.isRegularFile(target)) {
            Files.deleteIfExists(tmp);
            // uploaded again: the grace period before an unused package is collected starts again
            Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
            return new Stored(ref, false);
        }
        if (used + ref.size() > config.quotaBytes()) throw quotaExceeded(ref.size());
        TandemHome.writeAtomically(dir.resolve(sha + ".json"), Json.writeBytes(ref));
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        used += ref.size();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot fsync a directory
        }
        return new Stored(ref, true);
    }

    private RejectedPackageException quotaExceeded(long size) {
        return new RejectedPackageException(Reason.QUOTA_EXCEEDED, null, "the package store is full: its quota is "
                + bytes(config.quotaBytes()) + ", " + bytes(used) + " are in use, and this package needs " + bytes(size), QUOTA_FIX);
    }

    /** Reserves room in {@code DIR/tmp/} for {@code length} more bytes of an upload in progress. */
    private synchronized void reserve(long length) {
        if (inFlight + length > config.quotaBytes()) {
            throw new RejectedPackageException(Reason.QUOTA_EXCEEDED, null, "uploads in progress already hold "
                    + bytes(inFlight) + ", and together they may hold no more than the package quota of " + bytes(config.quotaBytes()),
                    "upload again once the others are done, or raise the quota (tandem server --package-quota SIZE)");
        }
        inFlight += length;
    }

    private synchronized void release(long length) {
        inFlight -= length;
    }

    /** {@code 2147483648 bytes (2.0 GiB)}: the exact figure, and one a reader takes in at a glance. */
    static String bytes(long n) {
        if (n < 1024) return n + " bytes";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return n + " bytes (" + String.format(Locale.ROOT, "%.1f %s", v, units[u]) + ")";
    }

    private static long sizeOrZero(Path file) {
        try {
            return Files.size(file);
        } catch (IOException gone) {
            return 0;
        }
    }

    private PackageKind kindOf(Path file, String filename) throws IOException {
        if (!Archives.looksLikeZip(file)) return PackageKind.FILE;
        if (filename.toLowerCase(Locale.ROOT).endsWith(".jar") || Archives.hasManifest(file)) return PackageKind.JAR;
        return PackageKind.ZIP;
    }

    private static String sanitize(String filename) {
        if (filename == null) return "package";
        String base = filename.replace('\\', '/');
        base = base.substring(base.lastIndexOf('/') + 1).strip();
        if (base.isEmpty() || base.equals(".") || base.equals("..")) return "package";
        return base.length() > 255 ? base.substring(base.length() - 255) : base;
    }

    /** One package on its way in. Not thread-safe. Closing an upload that was not committed discards it. */
    public final class Upload implements AutoCloseable {
        private final String filename;
        private final Path tmp;
        private final FileChannel channel;
        private final MessageDigest digest;
        private long size;
        private boolean done;

        private Upload(String filename, Path tmp) throws IOException {
            this.filename = filename;
            this.tmp = tmp;
            this.channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JVM has no SHA-256", e);
            }
        }

        public String filename() {
            return filename;
        }

        /**
         * @throws RejectedPackageException ({@link Reason#TOO_LARGE}) past {@link #maxBytes()}, or
         *     ({@link Reason#QUOTA_EXCEEDED}) when uploads in progress would hold more than the quota; the upload is
         *     then discarded
         */
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (done) throw new IllegalStateException("upload already finished");
            if (size + length > config.maxPackageBytes()) {
                close();
                throw tooLarge(config.maxPackageBytes());
            }
            try {
                reserve(length);
            } catch (RejectedPackageException e) {
                close();
                throw e;
            }
            size += length;
            digest.update(bytes, offset, length);
            ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length);
            while (buf.hasRemaining()) channel.write(buf);
        }

        /**
         * Validates, fsyncs and stores the package, unless identical content is stored already.
         *
         * @throws RejectedPackageException when it is empty, an archive breaks a rule of {@link Archives}, or
         *     storing it would take the store past its quota ({@link Reason#QUOTA_EXCEEDED}); nothing is stored then
         */
        public Stored commit() throws IOException {
            if (done) throw new IllegalStateException("upload already finished");
            try {
                channel.force(true);
                channel.close();
                if (size == 0) {
                    throw new RejectedPackageException(Reason.CORRUPT_ARCHIVE, null, "the package is empty",
                            "upload the jar, zip or file itself (curl --data-binary @FILE)");
                }
                String sha = HexFormat.of().formatHex(digest.digest());
                if (!exists(sha) && Archives.looksLikeZip(tmp)) Archives.validate(tmp, config.archives());
                CodeRef ref = new CodeRef(sha, filename, size, kindOf(tmp, filename));
                return install(tmp, sha, ref);
            } finally {
                done = true;
                Files.deleteIfExists(tmp);
                release(size);
            }
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                done = true;
                channel.close();
                Files.deleteIfExists(tmp);
                release(size);
            }
        }
    }

    static RejectedPackageException tooLarge(long maxBytes) {
        return new RejectedPackageException(Reason.TOO_LARGE, null,
                "the package is larger than the " + maxBytes + " bytes allowed",
                "ship a smaller package (leave out unused dependencies), or raise the server's package size limit");
    }
}
