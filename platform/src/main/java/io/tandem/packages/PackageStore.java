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
 * past {@link #maxBytes()}, is validated when it is an archive (see {@link Archives}), and only then is fsynced and
 * renamed into place, so a crash leaves the package whole or absent. Identical content is stored once.
 *
 * <p>Thread-safe; each {@link Upload} belongs to one thread at a time. Methods block on file I/O.
 */
public final class PackageStore {
    public static final long DEFAULT_MAX_BYTES = 256L << 20;
    private static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");

    private final Path dir;
    private final Path tmpDir;
    private final long maxBytes;
    private final Archives.Limits limits;

    public PackageStore(TandemHome home) {
        this(home.packagesDir(), DEFAULT_MAX_BYTES, Archives.Limits.defaults());
    }

    /** {@code maxBytes}: the largest package accepted (default {@value #DEFAULT_MAX_BYTES} bytes). */
    public PackageStore(Path dir, long maxBytes, Archives.Limits limits) {
        this.dir = dir;
        this.tmpDir = dir.resolve("tmp");
        this.maxBytes = maxBytes;
        this.limits = limits;
        try {
            Files.createDirectories(tmpDir);
            Archives.deleteTree(tmpDir); // uploads cut short by a crash
            Files.createDirectories(tmpDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the package store in " + dir, e);
        }
    }

    public long maxBytes() {
        return maxBytes;
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
     * Returns false when it was not there.
     */
    public synchronized boolean delete(String sha256) throws IOException {
        boolean existed = Files.deleteIfExists(path(sha256));
        Files.deleteIfExists(dir.resolve(sha256 + ".json"));
        return existed;
    }

    /**
     * Deletes every package that is not in {@code referenced} and was stored before {@code storedBefore} (a grace
     * period, so that a package uploaded for a function about to be created survives). Returns what was deleted.
     * The caller holds {@code referenced} steady meanwhile (the controller runs this inside a store transaction).
     */
    public synchronized Set<String> deleteUnreferenced(Set<String> referenced, Instant storedBefore) throws IOException {
        Set<String> deleted = new TreeSet<>();
        for (String sha : list()) {
            if (referenced.contains(sha)) continue;
            Instant stored = Files.getLastModifiedTime(dir.resolve(sha)).toInstant();
            if (stored.isBefore(storedBefore) && delete(sha)) deleted.add(sha);
        }
        return deleted;
    }

    private synchronized Stored install(Path tmp, String sha, CodeRef ref) throws IOException {
        Path target = dir.resolve(sha);
        if (Files.isRegularFile(target)) {
            Files.deleteIfExists(tmp);
            return new Stored(ref, false);
        }
        TandemHome.writeAtomically(dir.resolve(sha + ".json"), Json.writeBytes(ref));
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot fsync a directory
        }
        return new Stored(ref, true);
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

        /** @throws RejectedPackageException ({@link Reason#TOO_LARGE}) past {@link #maxBytes()}; the upload is then discarded */
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (done) throw new IllegalStateException("upload already finished");
            size += length;
            if (size > maxBytes) {
                close();
                throw tooLarge(maxBytes);
            }
            digest.update(bytes, offset, length);
            ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length);
            while (buf.hasRemaining()) channel.write(buf);
        }

        /**
         * Validates, fsyncs and stores the package, unless identical content is stored already.
         *
         * @throws RejectedPackageException when it is empty or an archive breaks a rule of {@link Archives}
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
                if (!exists(sha) && Archives.looksLikeZip(tmp)) Archives.validate(tmp, limits);
                CodeRef ref = new CodeRef(sha, filename, size, kindOf(tmp, filename));
                return install(tmp, sha, ref);
            } finally {
                done = true;
                Files.deleteIfExists(tmp);
            }
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                done = true;
                channel.close();
                Files.deleteIfExists(tmp);
            }
        }
    }

    static RejectedPackageException tooLarge(long maxBytes) {
        return new RejectedPackageException(Reason.TOO_LARGE, null,
                "the package is larger than the " + maxBytes + " bytes allowed",
                "ship a smaller package (leave out unused dependencies), or raise the server's package size limit");
    }
}
