package io.tandem.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import io.tandem.packages.Archives;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tandem's runtime interface clients for Lambda handlers in Python and Node.js, which the {@code python-lambda} and
 * {@code nodejs-lambda} environments run as {@code {clients}/python/bootstrap.py} and
 * {@code {clients}/node/bootstrap.mjs}. They ship inside the runtime jar; the agent writes them once into
 * {@code <dir>/<digest>/}, readable by every instance's user and writable only by the agent's, so an instance of another
 * Tandem version keeps the files it started with.
 *
 * <p>Not thread-safe: {@link InstanceCommands} calls it under its lock.
 */
final class LambdaClients {
    /** Where the runtime jar keeps them. */
    static final String RESOURCES = "io/tandem/runtime/lambda/clients/";
    static final List<String> FILES = List.of("python/bootstrap.py", "node/bootstrap.mjs");

    private LambdaClients() {
    }

    /** The directory holding {@link #FILES}, written under {@code dir} unless this version is already there. */
    static Path install(Path dir) {
        Map<String, byte[]> files = read();
        Path target = dir.resolve(digest(files));
        if (Files.isDirectory(target)) return target;
        try {
            Files.createDirectories(dir);
            Path staging = Files.createTempDirectory(dir, "staging");
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path path = staging.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.write(path, file.getValue());
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("r--r--r--"));
                Files.setPosixFilePermissions(path.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                Archives.deleteTree(staging); // another agent of this home wrote the same files first
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write Tandem's Lambda clients under " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, byte[]> read() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : FILES) {
            try (InputStream in = LambdaClients.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
                if (in == null) throw new IllegalStateException(RESOURCES + name + " is missing: the runtime jar is not on the agent's class path");
                files.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    private static String digest(Map<String, byte[]> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            files.forEach((name, bytes) -> {
                sha.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update(bytes);
            });
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
