package io.tandem.agent;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;

/**
 * Drains one output stream of an instance into the node's {@link FunctionLogs}, line by line, until the process
 * closes it. It never stops reading before that, whatever happens to the log, since an instance whose pipe fills up
 * blocks on its next write. The function is asked for at each line: a pool instance's lines go to the function it
 * is specialized for from the moment it is.
 *
 * <p>Owns its thread, a platform daemon thread: a blocked pipe read would pin a virtual thread's carrier anyway.
 */
final class LogPump {
    static final int MAX_LINE_BYTES = 16 * 1024;

    private LogPump() {
    }

    static Thread start(InputStream in, String instance, String stream, Supplier<String> function, FunctionLogs logs) {
        LineSplitter lines = new LineSplitter(MAX_LINE_BYTES, text -> logs.append(function.get(), instance, stream, text));
        return Thread.ofPlatform().daemon().name("log-" + instance + "-" + stream).start(() -> {
            byte[] chunk = new byte[64 * 1024];
            try (in) {
                for (int n; (n = in.read(chunk)) >= 0; ) lines.feed(chunk, 0, n);
            } catch (IOException closed) {
                // the process ended or the agent is stopping
            } finally {
                lines.finish();
            }
        });
    }
}
