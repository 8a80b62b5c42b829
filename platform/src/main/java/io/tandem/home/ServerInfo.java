package io.tandem.home;

import io.tandem.model.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.Optional;

/**
 * Where a running server listens, written to {@code TANDEM_HOME/server.json} once every role is ready and removed
 * when the server stops, so the CLI and joining agents find it without flags. {@code pid} is the server's process,
 * {@code controllerPid} its controller's (a child process, rewritten here each time the server restarts it).
 * {@code tlsFingerprint}: the SHA-256 fingerprint of the certificate the router and the API serve when their URLs are
 * {@code https}, which the CLI pins; null in plain HTTP. {@code localRouter}: the router in plain HTTP on 127.0.0.1,
 * for callers on this machine that hold no certificate (the console's test calls); null when it is {@code router}.
 */
public record ServerInfo(String api, String router, String executor, long pid, Instant started, long controllerPid, String tlsFingerprint,
                         String localRouter) {

    public ServerInfo(String api, String router, String executor, long pid, Instant started, long controllerPid) {
        this(api, router, executor, pid, started, controllerPid, null, null);
    }

    public ServerInfo withControllerPid(long p) {
        return new ServerInfo(api, router, executor, pid, started, p, tlsFingerprint, localRouter);
    }

    /** Where a caller on this machine reaches the router without TLS: {@code localRouter}, else {@code router}. */
    public String routerOnThisMachine() {
        return localRouter != null ? localRouter : router;
    }

    public void writeTo(TandemHome home) {
        TandemHome.writeAtomically(home.serverFile(), Json.writeBytes(this));
    }

    public static Optional<ServerInfo> readFrom(TandemHome home) {
        try {
            return Optional.of(Json.read(Files.readAllBytes(home.serverFile()), ServerInfo.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Removes the file if it still names this server's process (a newer server may have replaced it). */
    public static void removeIfOwnedBy(TandemHome home, long pid) {
        readFrom(home).filter(info -> info.pid() == pid).ifPresent(info -> {
            try {
                Files.deleteIfExists(home.serverFile());
            } catch (IOException ignored) {
                // a stale file only costs the CLI one failed connection and a clear message
            }
        });
    }
}
