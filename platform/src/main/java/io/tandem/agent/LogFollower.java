package io.tandem.agent;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/** Writes what is appended to a log file to a response, polling every 200 ms until the client goes away. */
final class LogFollower {
    private final Vertx vertx;
    private final Path file;
    private final HttpServerResponse response;
    private long position;
    private long timer;
    private boolean closed;

    LogFollower(Vertx vertx, Path file, long position, HttpServerResponse response) {
        this.vertx = vertx;
        this.file = file;
        this.position = position;
        this.response = response;
    }

    void start() {
        response.closeHandler(v -> {
            closed = true;
            vertx.cancelTimer(timer);
        });
        timer = vertx.setPeriodic(200, id -> poll());
    }

    private void poll() {
        vertx.executeBlocking(() -> {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                long len = raf.length();
                if (len < position) position = 0; // truncated
                if (len == position) return null;
                byte[] bytes = new byte[(int) Math.min(len - position, 1 << 20)];
                raf.seek(position);
                raf.readFully(bytes);
                position += bytes.length;
                return bytes;
            } catch (IOException e) {
                return null;
            }
        }).onSuccess(bytes -> {
            if (bytes != null && !closed) response.write(Buffer.buffer(bytes));
        });
    }
}
