package io.tandem.runtime.jvm;

import com.amazonaws.services.lambda.runtime.Context;
import com.sun.net.httpserver.HttpExchange;
import io.tandem.runtime.Replies;
import java.io.IOException;
import java.lang.reflect.Type;

/**
 * Serves an AWS Lambda {@code RequestHandler<I,O>} (or a method of that shape): the body read into {@code I} and the
 * result written as JSON the way Lambda's Java runtime does it ({@link LambdaSerialization}).
 */
final class LambdaInvoker extends JavaInvoker {
    /** The handler call, as a lambda over the interface or a reflective method. */
    @FunctionalInterface
    interface Call {
        Object apply(Object input, Context context) throws Exception;
    }

    private final Type inputType;
    private final LambdaSerialization serialization;
    private final Call call;

    LambdaInvoker(Type input, Type output, Call call, ClassLoader functionLoader, String functionName, long timeoutMs) {
        super(functionLoader, functionName, timeoutMs);
        this.inputType = input;
        this.serialization = new LambdaSerialization(input, output, functionLoader);
        this.call = call;
    }

    @Override
    void serve(HttpExchange exchange, Invocation invocation) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        Object input;
        try {
            input = serialization.read(body);
        } catch (IllegalArgumentException e) {
            Replies.error(exchange, 400, "bad request body", "cannot read the body as " + inputType.getTypeName() + ": " + e.getMessage());
            return;
        }
        var context = new LambdaContext(invocation);
        Object result = FunctionFailure.call(() -> call.apply(input, context));
        byte[] json;
        try {
            json = serialization.write(result);
        } catch (RuntimeException e) {
            Replies.error(exchange, 500, "function failed", "cannot write the result as JSON: " + Replies.describe(e));
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        Replies.send(exchange, 200, json);
    }

    /** A Lambda handler's failure is answered as Lambda answers it. */
    @Override
    void failed(HttpExchange exchange, Invocation invocation, Throwable failure) throws IOException {
        LambdaError.answer(exchange, invocation.requestId(), failure);
    }
}
