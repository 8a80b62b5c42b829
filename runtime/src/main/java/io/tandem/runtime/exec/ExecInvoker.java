package io.tandem.runtime.exec;

import com.sun.net.httpserver.HttpExchange;
import io.tandem.runtime.Invoker;
import io.tandem.runtime.PendingResponse;
import io.tandem.runtime.ProcessTree;
import io.tandem.runtime.Replies;
import io.tandem.runtime.http.HeaderNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The classic watchdog: per request one process runs {@code command}, with the body streamed to its stdin,
 * {@code Http_Method}, {@code Http_Path}, {@code Http_Query} and one {@code Http_<Header_Name>} per header in its
 * environment (besides the instance's own), and its stdout streamed back as the 200 body.
 *
 * <p>Three threads per request besides the caller's, all virtual: one feeds stdin, one drains stderr (copied to the
 * instance's stderr, its log, and kept up to {@value #STDERR_KEPT} bytes for the 500 body), and a watchdog that kills
 * the process and its descendants when the timeout passes first. The caller reads stdout; when it ends, the exit
 * code decides: 0 is 200, anything else 500 with stderr as the body, a kill by the watchdog 504.
 */
final class ExecInvoker implements Invoker {
    private static final int STDERR_KEPT = 64 * 1024;

    private final List<String> command;
    private final Path workingDirectory;
    private final long timeoutMs;

    ExecInvoker(List<String> command, Path workingDirectory, long timeoutMs) {
        this.command = command;
        this.workingDirectory = workingDirectory;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public void invoke(HttpExchange exchange) throws IOException {
        String requestId = Replies.requestId(exchange);
        Process process;
        try {
            process = start(exchange);
        } catch (IOException e) {
            System.err.println("[" + requestId + "] cannot start " + command + ": " + e.getMessage());
            Replies.error(exchange, 500, "cannot start function", command.get(0) + ": " + e.getMessage());
            return;
        }
        var done = new CountDownLatch(1);
        var timedOut = new AtomicBoolean();
        Thread feeder = Thread.ofVirtual().start(() -> feed(exchange.getRequestBody(), process.getOutputStream()));
        var stderr = new ByteArrayOutputStream();
        Thread stderrPump = Thread.ofVirtual().start(() -> drain(process.getErrorStream(), stderr));
        Thread.ofVirtual().start(() -> watch(process, done, timedOut));
        try {
            var body = new PendingResponse(exchange, "text/plain; charset=utf-8");
            process.getInputStream().transferTo(body);
            int exit = process.waitFor();
            stderrPump.join();
            feeder.join(); // ends once the body is read or the pipe is gone; no one else may read the body meanwhile
            answer(exchange, body, exit, timedOut.get(), stderr, requestId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PendingResponse.abort("interrupted");
        } finally {
            done.countDown();
            if (process.isAlive()) ProcessTree.kill(process);
        }
    }

    private void answer(HttpExchange exchange, PendingResponse body, int exit, boolean timedOut, ByteArrayOutputStream stderr, String requestId)
            throws IOException {
        if (timedOut) {
            System.err.println("[" + requestId + "] killed after " + timeoutMs + " ms");
            if (body.committed()) throw PendingResponse.abort("timed out");
            Replies.error(exchange, 504, "function timed out", "killed after " + timeoutMs + " ms");
        } else if (exit != 0) {
            System.err.println("[" + requestId + "] exited with " + exit);
            if (body.committed()) throw PendingResponse.abort("exit code " + exit);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.getResponseHeaders().set("X-Tandem-Exit-Code", Integer.toString(exit));
            byte[] text;
            synchronized (stderr) {
                text = stderr.size() > 0 ? stderr.toByteArray() : ("exit code " + exit + "\n").getBytes(StandardCharsets.UTF_8);
            }
            Replies.send(exchange, 500, text);
        } else {
            body.finish();
        }
    }

    private Process start(HttpExchange exchange) throws IOException {
        var builder = new ProcessBuilder(command);
        if (workingDirectory != null) builder.directory(workingDirectory.toFile());
        // The runtime's own settings (TANDEM_FUNCTION, TANDEM_COMMAND...) are not the function's business.
        builder.environment().keySet().removeIf(name -> name.startsWith("TANDEM_"));
        httpVariables(exchange, builder.environment());
        return builder.start();
    }

    /** The watchdog's variables: {@code Content-Type} becomes {@code Http_Content_Type}; repeated headers are joined. */
    static void httpVariables(HttpExchange exchange, Map<String, String> env) {
        exchange.getRequestHeaders().forEach((name, values) -> env.put("Http_" + HeaderNames.canonical(name).replace('-', '_'), String.join(", ", values)));
        // After the headers, so that a request header named Method, Path or Query cannot pass for them.
        env.put("Http_Method", exchange.getRequestMethod());
        env.put("Http_Path", exchange.getRequestURI().getPath());
        String query = exchange.getRequestURI().getRawQuery();
        env.put("Http_Query", query == null ? "" : query);
    }

    private static void feed(InputStream body, OutputStream stdin) {
        try (stdin) {
            body.transferTo(stdin);
        } catch (IOException stdinGone) {
            // The process exited or closed stdin without reading it all: that is its choice. The rest of the body is
            // still read and dropped, or closing the exchange would reset a connection with unread bytes, and the
            // client could lose the answer.
            try {
                body.transferTo(OutputStream.nullOutputStream());
            } catch (IOException clientGone) {
                // nothing left to answer
            }
        }
    }

    private static void drain(InputStream stderr, ByteArrayOutputStream kept) {
        byte[] chunk = new byte[8192];
        try (stderr) {
            for (int n; (n = stderr.read(chunk)) > 0; ) {
                System.err.write(chunk, 0, n);
                synchronized (kept) {
                    kept.write(chunk, 0, Math.min(n, Math.max(0, STDERR_KEPT - kept.size())));
                }
            }
            System.err.flush();
        } catch (IOException ignored) {
            // The process is gone.
        }
    }

    private void watch(Process process, CountDownLatch done, AtomicBoolean timedOut) {
        try {
            if (!done.await(timeoutMs, TimeUnit.MILLISECONDS)) {
                timedOut.set(true);
                ProcessTree.kill(process);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
