package io.tandem.runtime.jvm;

import com.sun.net.httpserver.HttpExchange;
import io.tandem.runtime.Invoker;
import io.tandem.runtime.PendingResponse;
import io.tandem.runtime.Replies;
import java.io.IOException;
import java.net.URLClassLoader;
import java.time.Instant;

/**
 * What every Java handler adapter shares: a request id and a deadline per call, the function's class loader as the
 * thread's context loader while it runs, a 500 with the exception when it throws, and the {@link Watchdog} for a
 * call that outlives the timeout.
 */
abstract class JavaInvoker implements Invoker {
    private final ClassLoader functionLoader;
    private final String functionName;
    private final long timeoutMs;

    JavaInvoker(ClassLoader functionLoader, String functionName, long timeoutMs) {
        this.functionLoader = functionLoader;
        this.functionName = functionName;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public final void invoke(HttpExchange exchange) throws IOException {
        var invocation = new Invocation(functionName, Replies.requestId(exchange), Instant.now().plusMillis(timeoutMs));
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(functionLoader);
        AutoCloseable watched = Watchdog.watch(invocation, thread, timeoutMs);
        try {
            serve(exchange, invocation);
        } catch (FunctionFailure failure) {
            failed(exchange, invocation, failure.getCause());
        } finally {
            closeQuietly(watched);
            Thread.interrupted(); // an interrupt of the watchdog that came as the call returned must not reach the next one
            thread.setContextClassLoader(previous);
        }
    }

    private static void closeQuietly(AutoCloseable watched) {
        try {
            watched.close();
        } catch (Exception impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Override
    public void close() {
        if (functionLoader instanceof URLClassLoader urls) {
            try {
                urls.close();
            } catch (IOException ignored) {
                // Closing only releases open jar files.
            }
        }
    }

    /** The answer when the function threw before its response began: Tandem's 500 unless the handler's kind has its own. */
    void failed(HttpExchange exchange, Invocation invocation, Throwable failure) throws IOException {
        Replies.functionFailed(exchange, invocation.requestId(), failure);
    }

    /** Answers one request; user code runs inside {@link FunctionFailure#call}. */
    abstract void serve(HttpExchange exchange, Invocation invocation) throws IOException;

    /** A failure after a streamed body's status went out: log it, then drop the connection. */
    static IOException failedWhileStreaming(Invocation invocation, FunctionFailure failure) {
        System.err.println("[" + invocation.requestId() + "] function failed after its response began:");
        failure.getCause().printStackTrace();
        return PendingResponse.abort(Replies.describe(failure.getCause()));
    }
}
