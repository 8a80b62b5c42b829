package io.tandem.runtime.jvm;

import com.amazonaws.services.lambda.runtime.Context;
import com.sun.net.httpserver.HttpExchange;
import io.tandem.runtime.PendingResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Serves an AWS Lambda {@code RequestStreamHandler} (or a method of that shape): the raw body streams in, and what
 * the handler writes streams out as the 200 body ({@link PendingResponse} explains when a failure can still be 500).
 */
final class StreamInvoker extends JavaInvoker {
    @FunctionalInterface
    interface Call {
        void apply(InputStream in, OutputStream out, Context context) throws Exception;
    }

    private final Call call;

    StreamInvoker(Call call, ClassLoader functionLoader, String functionName, long timeoutMs) {
        super(functionLoader, functionName, timeoutMs);
        this.call = call;
    }

    @Override
    void serve(HttpExchange exchange, Invocation invocation) throws IOException {
        var out = new PendingResponse(exchange, "application/octet-stream");
        var context = new LambdaContext(invocation);
        try {
            FunctionFailure.call(() -> {
                call.apply(exchange.getRequestBody(), out, context);
                return null;
            });
        } catch (FunctionFailure failure) {
            if (out.committed()) throw failedWhileStreaming(invocation, failure);
            throw failure;
        }
        out.finish();
    }

    /** A Lambda handler's failure is answered as Lambda answers it. */
    @Override
    void failed(HttpExchange exchange, Invocation invocation, Throwable failure) throws IOException {
        LambdaError.answer(exchange, invocation.requestId(), failure);
    }
}
