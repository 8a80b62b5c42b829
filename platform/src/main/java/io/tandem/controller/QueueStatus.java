package io.tandem.controller;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.model.Json;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.mqt.StatusBoard;
import io.tandem.mqt.StatusBoard.Snapshot;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code status} the API adds to a message queue trigger, read from the {@link StatusBoard} file the server
 * process writes: its state ({@code connected}, {@code disconnected: <reason>}, ...) and its message counts. A file
 * written by a server that is no longer running says nothing of now. Thread-safe: it only reads.
 */
final class QueueStatus {
    private final Path file;

    QueueStatus(Path file) {
        this.file = file;
    }

    /** The server's latest snapshot, or empty when no running server wrote one. */
    Optional<Snapshot> snapshot() {
        return StatusBoard.read(file).filter(s -> ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false));
    }

    /** {@code {"state": ..., "delivered": n, "succeeded": n, "retried": n, "deadLettered": n, ...}}. */
    ObjectNode of(MessageQueueTrigger t, Optional<Snapshot> snapshot) {
        StatusBoard.Entry e = snapshot.map(s -> s.triggers().get(t.name())).orElse(null);
        if (e == null) {
            ObjectNode status = Json.MAPPER.createObjectNode();
            status.put("state", snapshot.isEmpty() ? "unknown: no server is running" : "starting");
            return status;
        }
        return Json.MAPPER.valueToTree(e);
    }
}
