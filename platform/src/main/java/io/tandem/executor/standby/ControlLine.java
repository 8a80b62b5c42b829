package io.tandem.executor.standby;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.util.function.Consumer;

/**
 * The prober's end of one instance's control line (docs/instance-protocol.md): a TCP connection kept open on which
 * each probe is one line out ({@code probe}, or {@code lease EPOCH MILLIS ISSUED_MS}) and one line back. It says
 * hello with the instance's secret first; until the instance answers {@code ok} to that, the line is not open.
 *
 * <p>Owned by the prober's context: made there, and every callback runs there (Vert.x delivers a socket's events on
 * the context that connected it).
 */
final class ControlLine {
    private static final int MAX_ANSWER = 512;

    private final Consumer<String> onAnswer;
    private final Consumer<String> onClosed;
    private final Runnable onDenied;
    private NetSocket socket;
    private boolean open;
    private boolean closed;

    private ControlLine(Consumer<String> onAnswer, Consumer<String> onClosed, Runnable onDenied) {
        this.onAnswer = onAnswer;
        this.onClosed = onClosed;
        this.onDenied = onDenied;
    }

    /**
     * Connects and says hello. {@code onAnswer} gets each answer line after the hello's; {@code onClosed} gets why,
     * once, when the line ends or could not be made; {@code onDenied} runs (before {@code onClosed}) when the
     * instance refused the secret.
     */
    static ControlLine connect(NetClient client, String host, int port, String secret,
                               Consumer<String> onAnswer, Consumer<String> onClosed, Runnable onDenied) {
        ControlLine line = new ControlLine(onAnswer, onClosed, onDenied);
        client.connect(port, host).onComplete(ar -> {
            if (ar.failed()) {
                line.end("cannot connect: " + ar.cause().getMessage());
                return;
            }
            NetSocket s = ar.result();
            if (line.closed) {
                s.close();
                return;
            }
            line.socket = s;
            RecordParser parser = RecordParser.newDelimited("\n", line::answer).maxRecordSize(MAX_ANSWER);
            parser.exceptionHandler(e -> line.close("bad answer: " + e.getMessage()));
            s.handler(parser);
            s.closeHandler(v -> line.end("closed by the instance"));
            s.exceptionHandler(e -> line.close(e.getMessage()));
            s.write("hello " + secret + "\n");
        });
        return line;
    }

    /** Whether the instance accepted the hello and the line still stands: probes go on it. */
    boolean open() {
        return open && !closed;
    }

    void send(String line) {
        if (open()) socket.write(line + "\n");
    }

    /** Ends the line from this side; {@code onClosed} gets {@code why}. */
    void close(String why) {
        if (socket != null) socket.close();
        end(why);
    }

    private void answer(Buffer record) {
        if (closed) return;
        String line = record.toString(java.nio.charset.StandardCharsets.US_ASCII);
        if (!open) {
            if (line.equals("ok")) {
                open = true;
            } else {
                onDenied.run();
                close("hello refused: " + line);
            }
            return;
        }
        onAnswer.accept(line);
    }

    private void end(String why) {
        if (closed) return;
        closed = true;
        open = false;
        onClosed.accept(why);
    }
}
