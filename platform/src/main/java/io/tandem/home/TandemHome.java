package io.tandem.home;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The directory that holds one Tandem installation's state ({@code TANDEM_HOME}, default {@code ~/.tandem}):
 * <pre>
 *   token            the API bearer token, mode 0600, made at first start
 *   server.json      where the running server listens (written when it is ready, removed when it stops)
 *   data/            the controller's store
 *   packages/        code packages, content-addressed by SHA-256
 *   timers/          firings.json: what each time trigger fired last (written before each firing)
 *   mqt/             status.json: each message queue trigger's state and counts (written by the server, read by the controller)
 *   nodes/NAME/      one agent's files: instance logs, unpacked code, pid records
 * </pre>
 * Thread-safe: every method works on the file system only.
 */
public record TandemHome(Path root) {
    /** The system property {@code tandem.home}, else the variable {@code TANDEM_HOME}, else {@code ~/.tandem}. */
    public static TandemHome fromEnvironment() {
        String prop = System.getProperty("tandem.home");
        if (prop != null && !prop.isBlank()) return new TandemHome(Path.of(prop).toAbsolutePath());
        String env = System.getenv("TANDEM_HOME");
        if (env != null && !env.isBlank()) return new TandemHome(Path.of(env).toAbsolutePath());
        return new TandemHome(Path.of(System.getProperty("user.home"), ".tandem"));
    }

    public Path dataDir() {
        return root.resolve("data");
    }

    public Path packagesDir() {
        return root.resolve("packages");
    }

    public Path nodeDir(String node) {
        return root.resolve("nodes").resolve(node);
    }

    public Path tokenFile() {
        return root.resolve("token");
    }

    public Path serverFile() {
        return root.resolve("server.json");
    }

    /**
     * The API token; made (32 random bytes, hex, mode 0600) if there is none yet. The home itself is made private
     * (no reading or writing by group or others): it holds the token, the store and every function's code and logs.
     * 0711 is left as it is: agents that run instances as users of their own set it, so an instance can enter its
     * own directory below without listing anything. A token file that other users can
     * read is refused, as ssh refuses such a key: whoever read it could drive the whole platform.
     */
    public String ensureToken() {
        try {
            Files.createDirectories(root);
            makePrivate(root);
            // Made here, private, before any role writes into them: with a home that instances may enter (0711),
            // a directory's own mode is what keeps the store, the packages and the state out of their reach.
            for (String dir : PRIVATE_DIRS) {
                Files.createDirectories(root.resolve(dir));
                makePrivate(root.resolve(dir));
            }
            Path file = tokenFile();
            if (Files.exists(file)) {
                checkPrivate(file);
                return readToken();
            }
            byte[] raw = new byte[32];
            new SecureRandom().nextBytes(raw);
            String token = HexFormat.of().formatHex(raw);
            Path tmp = Files.createTempFile(root, "token", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, token + "\n");
            try {
                // Create-only: of two servers starting at once, the first token wins and both read it.
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException raced) {
                // another process made it first
            } finally {
                Files.deleteIfExists(tmp);
            }
            return readToken();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the API token in " + root, e);
        }
    }

    private static final String ENTER_ONLY = "rwx--x--x";
    private static final List<String> PRIVATE_DIRS = List.of("data", "packages", "timers", "mqt", "nodes");

    private static void makePrivate(Path dir) throws IOException {
        try {
            if (PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)).equals(ENTER_ONLY)) return;
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX modes: nothing to set
        }
    }

    private static void checkPrivate(Path file) throws IOException {
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException notPosix) {
            return;
        }
        Set<PosixFilePermission> open = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
        open.retainAll(mode);
        if (!open.isEmpty()) {
            throw new UnsafeTokenException("the API token " + file + " can be read or written by other users (mode "
                    + PosixFilePermissions.toString(mode) + "): run 'chmod 600 " + file + "', or delete it to have a new one made");
        }
    }

    /** The token file is open to other users: the server refuses to start with it. */
    public static final class UnsafeTokenException extends IllegalStateException {
        UnsafeTokenException(String message) {
            super(message);
        }
    }

    /** The API token, or an exception saying the server has never started here. */
    public String readToken() {
        try {
            return Files.readString(tokenFile()).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("no API token in " + root + ": start the server with 'tandem server' (or set TANDEM_HOME)", e);
        }
    }

    /**
     * A short name of this installation that stays the same across restarts: 12 hex digits of a digest of its token.
     * What several installations may share (a NATS server) is named with it, so each keeps to its own.
     */
    public String installationId() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(("tandem installation " + readToken()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Writes {@code content} to {@code target} so that a crash leaves the old file or the new one, never a mix. */
    public static void writeAtomically(Path target, byte[] content) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(content));
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException ignored) {
                // some file systems cannot fsync a directory
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    public static void writeAtomically(Path target, String content) {
        writeAtomically(target, content.getBytes(StandardCharsets.UTF_8));
    }
}
