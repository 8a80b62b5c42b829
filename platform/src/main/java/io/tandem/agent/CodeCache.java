package io.tandem.agent;

import io.tandem.model.CodeRef;
import io.tandem.model.Runtime;
import io.tandem.packages.Archives;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The node's code packages under {@code nodeDir/code/<sha256>/}: each fetched once from the controller, checked
 * against its SHA-256, kept read-only (readable by all: the directory is what keeps them private), and unpacked
 * ({@link Archives}: no traversal, links or bombs) when the runtime needs a directory.
 *
 * <p>Thread-safe: concurrent requests for the same package share one download.
 */
final class CodeCache {
    private final Path root;
    private final String token;
    private final Executor io;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, CompletableFuture<Path>> inFlight = new ConcurrentHashMap<>();

    CodeCache(Path root, String token, Executor io) {
        this.root = root;
        this.token = token;
        this.io = io;
    }

    /** The path to give an instance as {@code {code}} / {@code TANDEM_CODE}. */
    CompletableFuture<Path> codePath(CodeRef code, Runtime runtime, String packagesUrl) {
        boolean unpack = code.kind() == CodeRef.PackageKind.ZIP
                || (code.kind() == CodeRef.PackageKind.JAR && runtime != Runtime.JAVA);
        String key = code.sha256() + (unpack ? "/unpacked" : "/raw");
        CompletableFuture<Path> f = inFlight.computeIfAbsent(key,
                k -> CompletableFuture.supplyAsync(() -> prepare(code, unpack, packagesUrl), io));
        return f.whenComplete((p, e) -> {
            if (e != null) inFlight.remove(key, f);
        });
    }

    private Path prepare(CodeRef code, boolean unpack, String packagesUrl) {
        if (!code.sha256().matches("[0-9a-f]{64}")) throw new IllegalArgumentException("invalid sha256 " + code.sha256());
        Path dir = root.resolve(code.sha256());
        Path raw = dir.resolve(safeFileName(code.filename()));
        try {
            Files.createDirectories(dir);
            if (!Files.exists(raw)) fetch(code, raw, packagesUrl);
            if (code.kind() == CodeRef.PackageKind.FILE) {
                raw.toFile().setExecutable(true, false);
                return raw;
            }
            if (!unpack) return raw;
            Path unpacked = dir.resolve("unpacked");
            if (!Files.isDirectory(unpacked)) {
                try {
                    Archives.unpack(raw, unpacked);
                } catch (FileAlreadyExistsException raced) {
                    // another agent of this home unpacked it first: same bytes, same tree
                }
            }
            return unpacked;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare package " + code.sha256() + ": " + e.getMessage(), e);
        }
    }

    private void fetch(CodeRef code, Path target, String packagesUrl) throws IOException {
        if (packagesUrl == null) throw new IOException("no packages URL to fetch " + code.sha256() + " from");
        Path tmp = Files.createTempFile(target.getParent(), "fetch", ".tmp");
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(packagesUrl + "/v1/packages/" + code.sha256()))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(2)).build();
            HttpResponse<Path> resp;
            try {
                resp = http.send(req, HttpResponse.BodyHandlers.ofFile(tmp));
            } catch (ConnectException e) {
                // Deployed functions are prefetched, so this only hits code that never reached this node.
                throw new IOException("package " + code.sha256() + " is not in this node's cache and the controller at " + packagesUrl
                        + " is unreachable (down or restarting): it will be fetched once the controller is back", e);
            }
            if (resp.statusCode() != 200) throw new IOException("GET package " + code.sha256() + " answered " + resp.statusCode());
            String actual = sha256(tmp);
            if (!actual.equals(code.sha256())) throw new IOException("package " + code.sha256() + " arrived with sha256 " + actual);
            // Read-only, and readable by all: instances of users of their own get hard links to it (Sandbox.privateCode).
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--r--r--"));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + code.sha256(), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The uploaded file of the package {@code ref} whose code, as an instance got it, is {@code code}: that file
     * itself, or the file kept beside the directory it was unpacked into (in this cache, and in an instance's private
     * copy, {@link Sandbox#privateCode}).
     */
    static Path artifact(Path code, CodeRef ref) {
        return Files.isDirectory(code) ? code.resolveSibling(safeFileName(ref.filename())) : code;
    }

    private static String safeFileName(String name) {
        String base = name == null ? "" : Path.of(name).getFileName() == null ? "" : Path.of(name).getFileName().toString();
        return base.isEmpty() || base.startsWith(".") || base.equals("unpacked") ? "package" : base;
    }
}
