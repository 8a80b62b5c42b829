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
 */
public record ServerInfo(String api, String router, String executor, long pid, Instant started, long controllerPid) {

    public ServerInfo withControllerPid(long p) {
        return new ServerInfo(api, router, executor, pid, started, p);
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
