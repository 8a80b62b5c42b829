package io.tandem.agent;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashSet;
import java.util.Set;
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

    /** One write per log for what one read from the pipe held, however many lines. */
    private static void flush(FunctionLogs logs, Set<String> written) {
        for (String f : written) logs.flush(f);
        written.clear();
    }

    static Thread start(InputStream in, String instance, String stream, Supplier<String> function, FunctionLogs logs) {
        // The functions this read's lines went to: one, or two when the instance was specialized in between. The
        // pump's thread alone touches it (the splitter calls back on the thread that feeds it).
        Set<String> written = new LinkedHashSet<>();
        LineSplitter lines = new LineSplitter(MAX_LINE_BYTES, text -> {
            String f = function.get();
            written.add(f == null ? FunctionLogs.POOL : f);
            logs.append(f, instance, stream, text);
        });
        return Thread.ofPlatform().daemon().name("log-" + instance + "-" + stream).start(() -> {
            byte[] chunk = new byte[64 * 1024];
            try (in) {
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    lines.feed(chunk, 0, n);
                    flush(logs, written);
                }
            } catch (IOException closed) {
                // the process ended or the agent is stopping
            } finally {
                lines.finish();
                flush(logs, written);
            }
        });
    }
}
